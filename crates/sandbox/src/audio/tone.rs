//! A sine tone whose pitch depends on the track, so files are distinguishable by ear.

use crate::ids::hash64;

/// A stereo sine tone.
#[derive(Debug, Clone, Copy)]
pub struct Tone {
    /// Pitch of the left channel in Hz; the right is a fifth above.
    pub frequency_hz: f64,
}

/// Peak amplitude, a third of full scale.
const AMPLITUDE: f64 = 10_000.0;

impl Tone {
    /// A tone between 220 and 660 Hz picked from `seed`.
    pub fn for_seed(seed: &str) -> Self {
        let offset = (hash64(5, seed) % 440) as f64;
        Self {
            frequency_hz: 220.0 + offset,
        }
    }

    /// The 16-bit sample of `channel` (0 left, 1 right) at index `index`.
    pub fn sample(&self, channel: usize, index: u64, sample_rate: u32) -> i16 {
        let ratio = if channel == 0 { 1.0 } else { 1.5 };
        let time = index as f64 / f64::from(sample_rate);
        let value = (std::f64::consts::TAU * self.frequency_hz * ratio * time).sin() * AMPLITUDE;
        value.round() as i16
    }
}
