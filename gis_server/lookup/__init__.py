"""The planning lookup: find a parcel (key, point, text) and report what the plan says about it."""
