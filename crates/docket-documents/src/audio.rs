//! Audio duration from the container with symphonia's demuxers (no decoding): the track or media
//! duration when the header has it, else frames ÷ sample rate, else the sum of the packet
//! durations read from the container (e.g. an MP3 without a Xing/Info header). Isolated like
//! PDFs, since demuxers are third-party code fed hostile bytes.

use std::io::Cursor;

use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::units::TimeBase;

use crate::isolate::Deadline;
use crate::{ExtractError, Extracted, FileType, Limits};

/// Longest duration believed (24 hours); longer claims are treated as damage.
const MAX_SECONDS: f64 = 24.0 * 3600.0;

pub(crate) fn extract(
    bytes: &[u8],
    file_type: FileType,
    limits: &Limits,
) -> Result<Extracted, ExtractError> {
    crate::isolate::run_third_party(file_type, bytes, limits)
}

/// Reads the duration in this process (the caller isolates it).
pub(crate) fn parse(
    bytes: &[u8],
    file_type: FileType,
    deadline: &Deadline,
) -> Result<Extracted, ExtractError> {
    let seconds = duration(bytes, file_type, deadline)?;
    Ok(Extracted {
        file_type,
        markdown: String::new(),
        pages: None,
        duration_seconds: Some(seconds),
        title: None,
        ..Extracted::new(file_type)
    })
}

fn seconds(time_base: Option<TimeBase>, ticks: u64) -> Option<f64> {
    let tb = time_base?;
    let time = tb.calc_duration(symphonia::core::units::Duration::from(ticks))?;
    Some(time.as_secs_f64())
}

pub(crate) fn duration(
    bytes: &[u8],
    file_type: FileType,
    deadline: &Deadline,
) -> Result<f64, ExtractError> {
    let bad = |what: String| ExtractError::malformed(file_type, what);
    let mut hint = Hint::new();
    hint.with_extension(file_type.extension());
    let mss = MediaSourceStream::new(Box::new(Cursor::new(bytes)), Default::default());
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| bad(format!("probe: {e}")))?;
    deadline.check()?;
    let track = format
        .default_track(TrackType::Audio)
        .or_else(|| format.first_track(TrackType::Audio))
        .ok_or_else(|| bad("no audio track".into()))?;
    let track_id = track.id;
    let time_base = track.time_base;
    let sample_rate = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .and_then(|a| a.sample_rate);

    let from_header = track
        .duration
        .and_then(|d| seconds(time_base, d.get()))
        .or_else(|| {
            let media = format.media_info();
            media
                .duration
                .and_then(|d| seconds(media.time_base, d.get()))
        })
        .or_else(|| match (track.num_frames, sample_rate) {
            (Some(frames), Some(rate)) if rate > 0 => Some(frames as f64 / f64::from(rate)),
            _ => None,
        });
    let seconds = match from_header {
        Some(s) if s.is_finite() && s > 0.0 => s,
        _ => {
            count_packets(format.as_mut(), track_id, time_base, deadline).map_err(|e| match e {
                ExtractError::TimedOut => e,
                other => bad(format!("counting packets: {other}")),
            })?
        }
    };
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= MAX_SECONDS) {
        return Err(bad(format!("implausible duration {seconds}")));
    }
    Ok(seconds)
}

/// Sums the durations of the track's packets, read (not decoded) from the container.
fn count_packets(
    format: &mut dyn FormatReader,
    track_id: u32,
    time_base: Option<TimeBase>,
    deadline: &Deadline,
) -> Result<f64, ExtractError> {
    let mut ticks: u64 = 0;
    let mut packets: u64 = 0;
    loop {
        match format.next_packet() {
            Ok(Some(packet)) => {
                if packet.track_id == track_id {
                    ticks = ticks.saturating_add(packet.dur.get());
                }
                packets += 1;
                if packets.is_multiple_of(256) {
                    deadline.check()?;
                }
            }
            Ok(None) => break,
            // A damaged tail ends the count; what was read so far stands.
            Err(_) if ticks > 0 => break,
            Err(e) => {
                return Err(ExtractError::malformed(
                    FileType::Unknown,
                    format!("no packet: {e}"),
                ));
            }
        }
    }
    seconds(time_base, ticks)
        .ok_or_else(|| ExtractError::malformed(FileType::Unknown, "no time base"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The fallback alone (packet durations, no header) gives the same answer as the headers.
    #[test]
    fn counting_packets_matches_the_header() {
        let fixtures: [(&[u8], FileType); 6] = [
            (include_bytes!("../tests/fixtures/tone.mp3"), FileType::Mp3),
            (
                include_bytes!("../tests/fixtures/tone-noxing.mp3"),
                FileType::Mp3,
            ),
            (include_bytes!("../tests/fixtures/tone.m4a"), FileType::M4a),
            (include_bytes!("../tests/fixtures/tone.ogg"), FileType::Ogg),
            (include_bytes!("../tests/fixtures/tone.opus"), FileType::Ogg),
            (include_bytes!("../tests/fixtures/tone.wav"), FileType::Wav),
        ];
        let deadline = Deadline::after(Duration::from_secs(30));
        for (bytes, file_type) in fixtures {
            let mss = MediaSourceStream::new(Box::new(Cursor::new(bytes)), Default::default());
            let mut format = symphonia::default::get_probe()
                .probe(
                    &Hint::new(),
                    mss,
                    FormatOptions::default(),
                    MetadataOptions::default(),
                )
                .expect("probe");
            let track = format.first_track(TrackType::Audio).expect("audio track");
            let (id, time_base) = (track.id, track.time_base);
            let counted = count_packets(format.as_mut(), id, time_base, &deadline).expect("count");
            let from_header = duration(bytes, file_type, &deadline).expect("duration");
            assert!(
                (counted - 3.0).abs() <= 0.1,
                "{file_type:?}: counted {counted}"
            );
            assert!(
                (from_header - 3.0).abs() <= 0.1,
                "{file_type:?}: {from_header}"
            );
        }
    }
}
