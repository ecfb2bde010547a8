"""The layer registry: every layer declared once, everything else derived.

Models (``layers/models.py``), loader field profiles (``loaders/mapping.py``),
the health report and — in later issues — OGC collections, tile layers and
MapProxy configuration are generated from these frozen entries. Adding a
layer means adding one entry here, a style in ``styles/`` and a migration.

Field names in the database are short English identifiers; ``aliases`` lists
the names the same attribute carries in real exports (land-database, ViLIS
and plain shapefile styles, DOMAIN.md §4 and §6), matched case-insensitively
by the loader's default profile.
"""

from __future__ import annotations

from layers.entries import Field, Geometry, Kind, Layer, RasterLayer

__all__ = [
    "ALLEYS", "IMAGERY", "LAYERS", "LOAD_ORDER", "PARCELS", "PUBLISHER", "RASTERS", "ROAD_BOUNDARIES", "WARDS",
    "WARDS_2025", "ZONING", "Field", "Geometry", "Kind", "Layer", "RasterLayer", "get", "ids",
]  # fmt: skip

# Who publishes every layer: the attribution of tiles and maps, the OGC API's provider and contact.
PUBLISHER = "UBND quận Tân Bình"


def _ward_code(required: bool = True) -> Field:
    return Field(
        "ward_code",
        Kind.TEXT,
        "Mã phường (cũ, trước 01/7/2025)",
        "Old ward GSO code (before 2025-07-01)",
        required=required,
        aliases=("MaXa", "maxa", "ma_phuong", "maphuong", "MaPhuong"),
    )


def _ward_2025_code() -> Field:
    return Field(
        "ward_2025_code",
        Kind.TEXT,
        "Mã phường (mới, từ 01/7/2025)",
        "2025 ward GSO code (from 2025-07-01)",
        aliases=("MaXaMoi", "maxa_moi", "ma_phuong_moi", "maphuong2025"),
    )


PARCELS = Layer(
    id="parcels",
    model_name="Parcel",
    title_vi="Thửa đất",
    title_en="Cadastral parcels",
    description_vi="Thửa đất địa chính: tờ bản đồ, số thửa, diện tích, mục đích sử dụng.",
    description_en="Cadastral parcels: map sheet, parcel number, area, land use.",
    geometry=Geometry.MULTIPOLYGON,
    fields=(
        _ward_code(),
        _ward_2025_code(),
        Field(
            "map_sheet",
            Kind.INTEGER,
            "Số hiệu tờ bản đồ",
            "Map sheet number",
            required=True,
            aliases=("SoHieuToBanDo", "SOHIEUTOBANDO", "soto", "so_to", "to_ban_do"),
        ),
        Field(
            "parcel_no",
            Kind.INTEGER,
            "Số thứ tự thửa",
            "Parcel number",
            required=True,
            aliases=("SoThuTuThua", "SOTHUTUTHUA", "sothua", "so_thua", "thua"),
        ),
        Field(
            "old_map_sheet",
            Kind.INTEGER,
            "Số hiệu tờ bản đồ cũ",
            "Map sheet number before re-survey",
            aliases=("SoHieuToBanDoCu", "SOHIEUTOBANDOCU", "soto_cu"),
        ),
        Field(
            "old_parcel_no",
            Kind.INTEGER,
            "Số thứ tự thửa cũ",
            "Parcel number before re-survey",
            aliases=("SoThuTuThuaCu", "SOTHUTUTHUACU", "sothua_cu"),
        ),
        Field(
            "area",
            Kind.REAL,
            "Diện tích (m²)",
            "Official area (m²)",
            required=True,
            aliases=("DienTich", "DIENTICH", "dientich", "dien_tich"),
        ),
        Field(
            "legal_area",
            Kind.REAL,
            "Diện tích pháp lý (m²)",
            "Legal area (m²)",
            aliases=("DienTichPhapLy", "DIENTICHPHAPLY", "dientichpl"),
        ),
        Field(
            "land_use",
            Kind.TEXT,
            "Ký hiệu mục đích sử dụng",
            "Land-use code(s)",
            required=True,
            aliases=("KyHieuMucDichSuDung", "KYHIEUMUCDICHSUDUNG", "maloaidat", "mdsd"),
        ),
        Field(
            "address",
            Kind.TEXT,
            "Địa chỉ thửa đất",
            "Parcel address",
            aliases=("DiaChi", "DIACHI", "diachithua", "dia_chi"),
        ),
        Field(
            "owner_name",
            Kind.TEXT,
            "Tên chủ sử dụng",
            "Owner name",
            public=False,
            aliases=("TenChu", "TENCHU", "chusudung1", "chusudung", "chu_su_dung"),
        ),
        Field(
            "certificate_no",
            Kind.TEXT,
            "Số giấy chứng nhận",
            "Land-use certificate number",
            public=False,
            aliases=("SoGCN", "SOGCN", "so_gcn", "sogiaycn", "SoSerieGCN"),
        ),
    ),
    key=("ward_code", "map_sheet", "parcel_no"),
    # From z16: a z15 tile of a dense ward holds ~10,000 parcels (about 1 MB).
    min_zoom=16,
    max_zoom=22,
    style="parcels",
    order=30,
    tile_fields=("ward_code", "map_sheet", "parcel_no", "land_use"),
)

ZONING = Layer(
    id="zoning",
    model_name="ZoningZone",
    title_vi="Quy hoạch phân khu 1/2000",
    title_en="Zoning plan 1/2000",
    description_vi="Ô phố quy hoạch phân khu tỷ lệ 1/2000: chức năng, mật độ, tầng cao, hệ số.",
    description_en="1/2000 zoning blocks: function, density, floors, floor-area ratio.",
    geometry=Geometry.MULTIPOLYGON,
    fields=(
        Field(
            "zone_code",
            Kind.TEXT,
            "Ký hiệu ô phố",
            "Block symbol",
            required=True,
            aliases=("kyhieuloda", "KyHieuLoDat", "kyhieu_o", "ky_hieu"),
        ),
        Field(
            "function_code",
            Kind.TEXT,
            "Mã loại sử dụng đất quy hoạch",
            "Planned function code",
            required=True,
            aliases=("maloaisdd", "MaLoaiSDD", "ma_chuc_nang"),
        ),
        Field(
            "function_name",
            Kind.TEXT,
            "Chức năng sử dụng đất",
            "Planned function",
            required=True,
            aliases=("tenloaisdd", "TenLoaiSDD", "chuc_nang"),
        ),
        Field(
            "max_density",
            Kind.REAL,
            "Mật độ xây dựng tối đa (%)",
            "Max building density (%)",
            aliases=("matdoxd", "MatDoXD", "mat_do"),
        ),
        Field(
            "max_far",
            Kind.REAL,
            "Hệ số sử dụng đất tối đa",
            "Max floor-area ratio",
            aliases=("hssdd", "HeSoSDD", "he_so"),
        ),
        Field(
            "min_floors",
            Kind.INTEGER,
            "Tầng cao tối thiểu",
            "Min floors",
            aliases=("sotangtoit", "tang_toi_thieu"),
        ),
        Field(
            "max_floors",
            Kind.INTEGER,
            "Tầng cao tối đa",
            "Max floors",
            aliases=("sotangtoid", "tang_toi_da"),
        ),
        Field(
            "area",
            Kind.REAL,
            "Diện tích (m²)",
            "Area (m²)",
            aliases=("dientich", "DienTich"),
        ),
        Field(
            "plan_name",
            Kind.TEXT,
            "Tên đồ án quy hoạch",
            "Plan name",
            aliases=("tendoan", "ten_do_an"),
        ),
        Field(
            "decision_no",
            Kind.TEXT,
            "Số quyết định phê duyệt",
            "Approving decision number",
            aliases=("soqd", "so_qd", "quyetdinh"),
        ),
        Field(
            "decision_date",
            Kind.DATE,
            "Ngày phê duyệt",
            "Approval date",
            aliases=("ngayqd", "ngay_qd"),
        ),
    ),
    key=("zone_code",),
    min_zoom=12,
    max_zoom=22,
    style="zoning",
    order=10,
)


def _right_of_way(layer_id: str, model: str, kind_vi: str, kind_en: str, aliases: tuple[str, ...]) -> Layer:
    """Roads and alleys share one shape: a ROW polygon, a name, a width, a centreline."""
    return Layer(
        id=layer_id,
        model_name=model,
        title_vi=f"Lộ giới {kind_vi}",
        title_en=f"{kind_en} right-of-way",
        description_vi=f"Phạm vi lộ giới {kind_vi} giữa hai chỉ giới đường đỏ, kèm tim đường.",
        description_en=f"{kind_en} right-of-way between the red lines, with the centreline.",
        geometry=Geometry.MULTIPOLYGON,
        fields=(
            Field("segment_id", Kind.TEXT, "Mã đoạn", "Segment id", required=True, aliases=("ma_doan", "madoan", "id")),
            Field("name", Kind.TEXT, f"Tên {kind_vi}", f"{kind_en} name", required=True, aliases=aliases),
            Field(
                "row_width",
                Kind.REAL,
                "Lộ giới (m)",
                "Right-of-way width (m)",
                required=True,
                aliases=("logioi", "LoGioi", "lo_gioi"),
            ),
            Field(
                "setback",
                Kind.REAL,
                "Khoảng lùi xây dựng (m)",
                "Building setback (m)",
                aliases=("khoangloui", "khoang_lui"),
            ),
            Field(
                "decision_no",
                Kind.TEXT,
                "Quyết định lộ giới",
                "Right-of-way decision",
                aliases=("soqd", "so_qd", "quyetdinh"),
            ),
        ),
        key=("segment_id",),
        min_zoom=13,
        max_zoom=22,
        style=layer_id,
        centreline=True,
        order=20,
        exclusive=False,
    )


ROAD_BOUNDARIES = _right_of_way(
    "road_boundaries", "RoadBoundary", "đường", "Road", ("tenduong", "TenDuong", "ten_duong")
)
ALLEYS = _right_of_way("alleys", "Alley", "hẻm", "Alley", ("tenhem", "TenHem", "ten_hem"))


def _ward_layer(layer_id: str, model: str, title_vi: str, title_en: str, extra: tuple[Field, ...]) -> Layer:
    return Layer(
        id=layer_id,
        model_name=model,
        title_vi=title_vi,
        title_en=title_en,
        description_vi=f"Ranh giới {title_vi.lower()}.",
        description_en=f"Boundaries of the {title_en.lower()}.",
        geometry=Geometry.MULTIPOLYGON,
        fields=(
            Field(
                "code",
                Kind.TEXT,
                "Mã phường (GSO)",
                "Ward GSO code",
                required=True,
                aliases=("ma_phuong", "maxa", "MaXa"),
            ),
            Field(
                "name", Kind.TEXT, "Tên phường", "Ward name", required=True, aliases=("ten_phuong", "tenxa", "TenXa")
            ),
            *extra,
        ),
        key=("code",),
        min_zoom=10,
        max_zoom=22,
        style=layer_id,
        order=40,
    )


WARDS = _ward_layer(
    "wards",
    "Ward",
    "Phường cũ (trước 01/7/2025)",
    "Old wards (before 2025-07-01)",
    (
        Field(
            "ward_2025_code",
            Kind.TEXT,
            "Mã phường mới chứa phần lớn",
            "2025 ward holding most of it",
            aliases=("ma_phuong_moi", "maxa_moi"),
        ),
    ),
)
WARDS_2025 = _ward_layer(
    "wards_2025",
    "Ward2025",
    "Phường mới (từ 01/7/2025)",
    "Wards from 2025-07-01",
    (Field("valid_from", Kind.DATE, "Hiệu lực từ", "Valid from", aliases=("hieuluc", "ngay_hieu_luc")),),
)

LAYERS: tuple[Layer, ...] = (PARCELS, ZONING, ROAD_BOUNDARIES, ALLEYS, WARDS, WARDS_2025)
_BY_ID = {layer.id: layer for layer in LAYERS}
# Loading order for a whole delivery: wards first, so parcels get their 2025 ward by geometry.
LOAD_ORDER: tuple[str, ...] = ("wards_2025", "wards", "road_boundaries", "alleys", "zoning", "parcels")


IMAGERY = RasterLayer(
    id="imagery",
    title_vi="Ảnh chụp trực giao",
    title_en="Orthophoto",
    description_vi="Ảnh chụp trực giao nền, lưu dạng Cloud-Optimized GeoTIFF.",
    description_en="Orthophoto base imagery, stored as Cloud-Optimized GeoTIFF.",
    min_zoom=10,
    max_zoom=20,
    style="imagery",
)
RASTERS: tuple[RasterLayer, ...] = (IMAGERY,)


def get(layer_id: str) -> Layer:
    """The layer with this id; KeyError names the known ids."""
    try:
        return _BY_ID[layer_id]
    except KeyError:
        raise KeyError(f"unknown layer {layer_id!r}; known: {', '.join(_BY_ID)}") from None


def ids() -> tuple[str, ...]:
    return tuple(_BY_ID)


def raster_ids() -> tuple[str, ...]:
    """The raster layers' ids (imagery): loaded, served and purged apart from the vector layers."""
    return tuple(r.id for r in RASTERS)
