//! Font discovery and loading.
//!
//! GB/T 9704-2012 asks for commercial faces (方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312).
//! An office that owns them drops the files into a configured directory; otherwise free
//! fallbacks from Debian packages are used (fonts-noto-cjk first).
//!
//! Debian's Noto CJK files are OpenType *collections* (`.ttc`) whose first face is the
//! Japanese one. The Simplified Chinese face is selected by reading each face's `name`
//! table (typographic family, name ID 16, and family, name ID 1) and picking the face
//! whose family is exactly "Noto Serif CJK SC" / "Noto Sans CJK SC". With
//! fonts-noto-cjk 1:20220127 the faces are JP=0, KR=1, SC=2, TC=3, HK=4 (and the Sans
//! files continue with the Mono faces 5..9), so SC resolves to index 2; the index is never
//! hard-coded, it is looked up every time. The same lookup can be done by hand with
//! `fc-query -f '%{index} %{family}\n' /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc`.

use std::collections::HashMap;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use krilla::text::Font;
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};
use skrifa::raw::FileRef;
use skrifa::string::StringId;

use super::PdfError;

/// One face inside a font file: a path plus the face index (0 for plain `.ttf`/`.otf`,
/// the collection index for `.ttc`/`.otc`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FontSource {
    /// Font file on disk.
    pub path: PathBuf,
    /// Face index inside the file.
    pub index: u32,
}

/// The faces used to typeset an official document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fonts {
    /// 小标宋: 发文机关标志 (red header), title, issuer marks.
    pub title: FontSource,
    /// 仿宋_GB2312: body text, signature, date, copy-to line, page numbers.
    pub body: FontSource,
    /// 黑体: level-1 headings (一、) and table headers.
    pub heading: FontSource,
    /// 楷体_GB2312: level-2 headings (（一）). Falls back to the body face when no
    /// Kai face is installed.
    pub subheading: FontSource,
}

/// Directories searched for office-provided (commercial) font files after the override.
const OFFICIAL_DIRS: &[&str] = &["/usr/local/share/fonts/gongwen", "/usr/local/share/fonts"];

/// A free fallback: an absolute file path plus the family name of the face to select.
struct Fallback {
    path: &'static str,
    family: &'static str,
}

/// What to look for when resolving one role.
struct RoleSpec {
    role: &'static str,
    /// File names of the official faces (matched case-insensitively).
    official: &'static [&'static str],
    /// Free fallbacks, best first.
    fallbacks: &'static [Fallback],
}

const NOTO_SERIF_BOLD: Fallback = Fallback {
    path: "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    family: "Noto Serif CJK SC",
};
const NOTO_SERIF_REGULAR: Fallback = Fallback {
    path: "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    family: "Noto Serif CJK SC",
};
const NOTO_SANS_REGULAR: Fallback = Fallback {
    path: "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    family: "Noto Sans CJK SC",
};
const NOTO_SANS_BOLD: Fallback = Fallback {
    path: "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    family: "Noto Sans CJK SC",
};
const ARPHIC_UKAI: Fallback = Fallback {
    path: "/usr/share/fonts/truetype/arphic/ukai.ttc",
    family: "AR PL UKai CN",
};
const ARPHIC_UMING: Fallback = Fallback {
    path: "/usr/share/fonts/truetype/arphic/uming.ttc",
    family: "AR PL UMing CN",
};
const WQY_ZENHEI: Fallback = Fallback {
    path: "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    family: "WenQuanYi Zen Hei",
};
const WQY_MICROHEI: Fallback = Fallback {
    path: "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    family: "WenQuanYi Micro Hei",
};

const TITLE: RoleSpec = RoleSpec {
    role: "title (小标宋)",
    official: &[
        "FZXBSJW.TTF",
        "FZXBSJW--GB1-0.ttf",
        "FZXBSK.TTF",
        "方正小标宋简体.ttf",
        "方正小标宋_GBK.ttf",
    ],
    fallbacks: &[
        NOTO_SERIF_BOLD,
        NOTO_SANS_BOLD,
        ARPHIC_UMING,
        WQY_ZENHEI,
        WQY_MICROHEI,
    ],
};

const BODY: RoleSpec = RoleSpec {
    role: "body (仿宋)",
    official: &[
        "仿宋_GB2312.ttf",
        "FangSong_GB2312.ttf",
        "FZFSJW.TTF",
        "simfang.ttf",
        "仿宋.ttf",
    ],
    fallbacks: &[
        NOTO_SERIF_REGULAR,
        ARPHIC_UMING,
        NOTO_SANS_REGULAR,
        WQY_MICROHEI,
        WQY_ZENHEI,
    ],
};

const HEADING: RoleSpec = RoleSpec {
    role: "heading (黑体)",
    official: &["simhei.ttf", "黑体.ttf", "FZHTJW.TTF", "FZHTK.TTF"],
    fallbacks: &[NOTO_SANS_REGULAR, WQY_ZENHEI, WQY_MICROHEI, NOTO_SERIF_BOLD],
};

const SUBHEADING: RoleSpec = RoleSpec {
    role: "subheading (楷体)",
    official: &[
        "楷体_GB2312.ttf",
        "KaiTi_GB2312.ttf",
        "FZKTJW.TTF",
        "simkai.ttf",
        "楷体.ttf",
    ],
    fallbacks: &[ARPHIC_UKAI],
};

impl Fonts {
    /// Finds the fonts for an official document.
    ///
    /// Order of preference for every role:
    /// 1. official files in `config_dir_override` (e.g. `FZXBSJW.TTF`, `simfang.ttf`,
    ///    `simhei.ttf`, `simkai.ttf`; names are matched case-insensitively),
    /// 2. official files in `/usr/local/share/fonts/gongwen` and `/usr/local/share/fonts`,
    /// 3. free fallbacks: Noto Serif CJK SC Bold (title), Noto Serif CJK SC Regular
    ///    (body), Noto Sans CJK SC Regular (headings), AR PL UKai CN (楷体), then
    ///    AR PL UMing / WenQuanYi faces if installed.
    ///
    /// The level-2 heading face falls back to the body face when no 楷体 is found.
    pub fn discover(config_dir_override: Option<&Path>) -> Result<Fonts, PdfError> {
        let mut dirs: Vec<PathBuf> = Vec::new();
        if let Some(dir) = config_dir_override {
            dirs.push(dir.to_path_buf());
        }
        dirs.extend(OFFICIAL_DIRS.iter().map(PathBuf::from));
        let listings: Vec<HashMap<String, PathBuf>> = dirs.iter().map(|d| list_dir(d)).collect();

        let title = resolve(&TITLE, &listings)?;
        let body = resolve(&BODY, &listings)?;
        let heading = resolve(&HEADING, &listings)?;
        let subheading = match resolve(&SUBHEADING, &listings) {
            Ok(source) => source,
            Err(PdfError::FontNotFound { .. }) => body.clone(),
            Err(other) => return Err(other),
        };
        Ok(Fonts {
            title,
            body,
            heading,
            subheading,
        })
    }
}

/// Lowercased file name → path for the regular files of a directory (empty if missing).
fn list_dir(dir: &Path) -> HashMap<String, PathBuf> {
    let mut map = HashMap::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_file()
                && let Some(name) = path.file_name().and_then(|n| n.to_str())
            {
                map.insert(name.to_lowercase(), path);
            }
        }
    }
    map
}

fn resolve(spec: &RoleSpec, listings: &[HashMap<String, PathBuf>]) -> Result<FontSource, PdfError> {
    for listing in listings {
        for name in spec.official {
            if let Some(path) = listing.get(&name.to_lowercase()) {
                let data = read_font_file(path)?;
                if let Some(index) = select_official_face(&data) {
                    return Ok(FontSource {
                        path: path.clone(),
                        index,
                    });
                }
            }
        }
    }
    for fallback in spec.fallbacks {
        let path = Path::new(fallback.path);
        if !path.is_file() {
            continue;
        }
        let data = read_font_file(path)?;
        if let Some(index) = find_face_by_family(&data, fallback.family) {
            return Ok(FontSource {
                path: path.to_path_buf(),
                index,
            });
        }
    }
    let mut searched: Vec<String> = Vec::new();
    if !spec.official.is_empty() {
        searched.push(format!("official files {}", spec.official.join("/")));
    }
    searched.extend(spec.fallbacks.iter().map(|f| f.path.to_string()));
    Err(PdfError::FontNotFound {
        role: spec.role,
        searched: searched.join(", "),
    })
}

fn read_font_file(path: &Path) -> Result<Vec<u8>, PdfError> {
    fs::read(path).map_err(|source| PdfError::FontIo {
        path: path.to_path_buf(),
        source,
    })
}

/// Number of faces in a font file (1 for a plain font, 0 if unreadable).
fn face_count(data: &[u8]) -> u32 {
    match FileRef::new(data) {
        Ok(FileRef::Font(_)) => 1,
        Ok(FileRef::Collection(collection)) => collection.len(),
        Err(_) => 0,
    }
}

/// All family names (typographic family and legacy family, every language) of a face.
pub(crate) fn family_names(data: &[u8], index: u32) -> Vec<String> {
    let Ok(font) = skrifa::FontRef::from_index(data, index) else {
        return Vec::new();
    };
    let mut names = Vec::new();
    for id in [StringId::TYPOGRAPHIC_FAMILY_NAME, StringId::FAMILY_NAME] {
        for name in font.localized_strings(id) {
            let name = name.to_string();
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// Whether the face can typeset Chinese text at all.
fn covers_chinese(data: &[u8], index: u32) -> bool {
    let Ok(font) = skrifa::FontRef::from_index(data, index) else {
        return false;
    };
    let charmap = font.charmap();
    ['中', '国', '，'].iter().all(|&c| charmap.map(c).is_some())
}

/// Face index whose family name equals `family` (case-insensitive).
pub(crate) fn find_face_by_family(data: &[u8], family: &str) -> Option<u32> {
    (0..face_count(data)).find(|&index| {
        family_names(data, index)
            .iter()
            .any(|name| name.eq_ignore_ascii_case(family))
            && covers_chinese(data, index)
    })
}

/// For an office-provided file: the only face, or in a collection the face that looks
/// Simplified Chinese (family mentions SC/CN/GB/简), else the first Chinese-capable face.
fn select_official_face(data: &[u8]) -> Option<u32> {
    let count = face_count(data);
    let simplified = (0..count).find(|&index| {
        family_names(data, index).iter().any(|name| {
            let upper = name.to_uppercase();
            upper.ends_with(" SC")
                || upper.ends_with(" CN")
                || upper.contains("GB")
                || name.contains('简')
        }) && covers_chinese(data, index)
    });
    simplified.or_else(|| (0..count).find(|&index| covers_chinese(data, index)))
}

/// A glyph for one character of a string.
#[derive(Debug, Clone)]
pub(crate) struct ShapedChar {
    pub ch: char,
    pub glyph_id: u32,
    /// Advance width in em units (multiply by the font size).
    pub advance: f32,
    /// Byte range of the character in the shaped string.
    pub range: Range<usize>,
}

/// A face loaded into memory, ready for measuring and drawing.
#[derive(Clone)]
pub(crate) struct LoadedFont {
    pub font: Font,
    data: Arc<Vec<u8>>,
    index: u32,
}

impl LoadedFont {
    fn load(source: &FontSource, data: Arc<Vec<u8>>) -> Result<Self, PdfError> {
        let parse_error = || PdfError::FontParse {
            path: source.path.clone(),
            index: source.index,
        };
        skrifa::FontRef::from_index(&data, source.index).map_err(|_| parse_error())?;
        let font = Font::new(data.clone().into(), source.index).ok_or_else(parse_error)?;
        Ok(LoadedFont {
            font,
            data,
            index: source.index,
        })
    }

    /// Maps every character to a glyph (simple one-to-one shaping, which is what CJK
    /// official text needs). Control characters are dropped; missing glyphs map to
    /// `.notdef`.
    pub fn shape(&self, text: &str) -> Vec<ShapedChar> {
        let Ok(font) = skrifa::FontRef::from_index(&self.data, self.index) else {
            return Vec::new();
        };
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(Size::unscaled(), LocationRef::default());
        let upem = self.font.units_per_em().max(1.0);
        text.char_indices()
            .filter(|(_, ch)| !ch.is_control())
            .map(|(start, ch)| {
                let glyph = charmap.map(ch).unwrap_or_default();
                let advance = metrics.advance_width(glyph).unwrap_or(upem) / upem;
                ShapedChar {
                    ch,
                    glyph_id: glyph.to_u32(),
                    advance,
                    range: start..start + ch.len_utf8(),
                }
            })
            .collect()
    }
}

/// The four faces loaded for one rendering; identical sources share one copy in memory.
pub(crate) struct FontSet {
    pub title: LoadedFont,
    pub body: LoadedFont,
    pub heading: LoadedFont,
    pub subheading: LoadedFont,
}

impl FontSet {
    pub fn load(fonts: &Fonts) -> Result<Self, PdfError> {
        let mut files: HashMap<PathBuf, Arc<Vec<u8>>> = HashMap::new();
        let mut faces: HashMap<FontSource, LoadedFont> = HashMap::new();
        let mut get = |source: &FontSource| -> Result<LoadedFont, PdfError> {
            if let Some(loaded) = faces.get(source) {
                return Ok(loaded.clone());
            }
            let data = match files.get(&source.path) {
                Some(data) => data.clone(),
                None => {
                    let data = Arc::new(read_font_file(&source.path)?);
                    files.insert(source.path.clone(), data.clone());
                    data
                }
            };
            let loaded = LoadedFont::load(source, data)?;
            faces.insert(source.clone(), loaded.clone());
            Ok(loaded)
        };
        Ok(FontSet {
            title: get(&fonts.title)?,
            body: get(&fonts.body)?,
            heading: get(&fonts.heading)?,
            subheading: get(&fonts.subheading)?,
        })
    }
}
