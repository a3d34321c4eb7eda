//! Rendering of official documents (公文) as PDF.
//!
//! * [`render`] lays out a letter-format official document (信函格式) following
//!   GB/T 9704-2012 "党政机关公文格式".
//! * [`render_catalogue`] renders the file catalogue (卷内目录) of an archived dossier.
//!
//! Fonts are read from disk at run time, see [`Fonts::discover`]. PDF generation uses
//! `krilla`, which subsets the fonts and writes ToUnicode maps, so the text stays
//! extractable and searchable.

use std::path::PathBuf;

mod catalogue;
mod fonts;
pub mod http;
pub mod issuers;
mod layout;
mod official;

#[cfg(test)]
mod tests;

pub use catalogue::{CatalogueRow, render_catalogue};
pub use fonts::{FontSource, Fonts};
pub use official::{OfficialDocument, Paragraph, ParagraphKind, render};

/// Value written into the PDF `Creator` metadata field.
pub const PDF_CREATOR: &str = "双打协同平台";

/// Errors raised while discovering fonts or producing a PDF.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// No font at all could be found for one of the roles.
    #[error(
        "no usable Chinese font found for the {role} role (searched: {searched}); \
         install the free fallback with `apt-get install fonts-noto-cjk` \
         or configure the official fonts directory"
    )]
    FontNotFound {
        /// Which role (title, body, heading, subheading) lacks a font.
        role: &'static str,
        /// Human-readable list of the locations that were searched.
        searched: String,
    },
    /// A font file exists but could not be read.
    #[error("cannot read font file {path}: {source}")]
    FontIo {
        /// The font file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A font file could be read but the requested face is not a usable font.
    #[error("font file {path} (face index {index}) is not a usable font")]
    FontParse {
        /// The font file.
        path: PathBuf,
        /// Face index inside the file.
        index: u32,
    },
    /// The document content cannot be laid out.
    #[error("invalid document: {0}")]
    InvalidDocument(String),
    /// The PDF writer failed.
    #[error("PDF generation failed: {0}")]
    Pdf(String),
}
