//! Images: type by content, dimensions from the header (imagesize), nothing decoded; refuses
//! dimensions that would make a decompression bomb when a browser or thumbnailer decodes them.

use crate::{ExtractError, ImageInfo};

/// Longest side accepted, in pixels.
pub(crate) const MAX_SIDE: u64 = 10_000;
/// Largest area accepted, in pixels.
pub(crate) const MAX_PIXELS: u64 = 40_000_000;

pub(crate) fn check(bytes: &[u8]) -> Result<ImageInfo, ExtractError> {
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    let file_type = crate::sniff::sniff(bytes, None);
    if !file_type.is_image() {
        return Err(match crate::sniff::unsupported(bytes) {
            e @ ExtractError::Unsupported {
                what: "this kind of image",
                ..
            } => e,
            _ => ExtractError::Unsupported {
                what: "this file as an image",
                instead: "send a photo or picture as JPEG, PNG, GIF or WebP",
            },
        });
    }
    let size = imagesize::blob_size(bytes)
        .map_err(|e| ExtractError::malformed(file_type, format!("image header: {e}")))?;
    let (width, height) = (size.width as u64, size.height as u64);
    if width == 0
        || height == 0
        || width > MAX_SIDE
        || height > MAX_SIDE
        || width.saturating_mul(height) > MAX_PIXELS
    {
        return Err(ExtractError::ImageDimensions { width, height });
    }
    Ok(ImageInfo {
        file_type,
        // Both fit: each side is at most MAX_SIDE.
        width: u32::try_from(width).unwrap_or(u32::MAX),
        height: u32::try_from(height).unwrap_or(u32::MAX),
    })
}
