//! Benchmark statistics shared by the project's benches: latency samples and their percentiles,
//! the median and spread of per-round figures, and aligned plain-text tables.
//!
//! The benches time the paths they compare in interleaved rounds, so that a burst of noise on a
//! shared machine lands on every path alike; each round yields one figure per path (or one ratio),
//! and the headline is the median of those per-round figures with their spread.

use std::fmt;
use std::future::Future;
use std::str::FromStr;
use std::time::{Duration, Instant};

/// An environment variable parsed as `T`, or `default` when it is unset or does not parse.
pub fn env_or<T: FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// The `quantile` (0 to 1) of `values`, interpolating linearly between the two nearest ranks;
/// NaN when there are none.
pub fn quantile(values: &[f64], quantile: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let Some(last) = sorted.len().checked_sub(1) else {
        return f64::NAN;
    };
    let rank = quantile.clamp(0.0, 1.0) * last as f64;
    let below = rank.floor() as usize;
    let above = rank.ceil() as usize;
    sorted[below] + (sorted[above] - sorted[below]) * (rank - below as f64)
}

/// One figure of every round (`results` holds one entry per round), in round order.
pub fn per_round<R>(results: &[R], figure: impl Fn(&R) -> f64) -> Vec<f64> {
    results.iter().map(figure).collect()
}

/// Latencies of one path (in one round, or over a whole run).
#[derive(Debug, Clone, Default)]
pub struct Samples {
    micros: Vec<f64>,
}

impl Samples {
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            micros: Vec::with_capacity(capacity),
        }
    }

    /// Awaits `call` and records how long it took, whether it succeeded or not.
    pub async fn time<T, E>(&mut self, call: impl Future<Output = Result<T, E>>) -> Result<T, E> {
        let started = Instant::now();
        let outcome = call.await;
        self.record(started.elapsed());
        outcome
    }

    pub fn record(&mut self, latency: Duration) {
        self.micros.push(latency.as_secs_f64() * 1e6);
    }

    pub fn len(&self) -> usize {
        self.micros.len()
    }

    pub fn is_empty(&self) -> bool {
        self.micros.is_empty()
    }

    /// The `quantile` (0 to 1) of the recorded latencies, in microseconds.
    pub fn percentile_us(&self, quantile: f64) -> f64 {
        self::quantile(&self.micros, quantile)
    }
}

/// The median of per-round figures, with their range and interquartile range.
#[derive(Debug, Clone, Copy)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub lower_quartile: f64,
    pub upper_quartile: f64,
}

impl Spread {
    /// The spread of `values` (one per round); every field is NaN when there are none.
    pub fn of(values: &[f64]) -> Self {
        Self {
            median: quantile(values, 0.5),
            min: quantile(values, 0.0),
            max: quantile(values, 1.0),
            lower_quartile: quantile(values, 0.25),
            upper_quartile: quantile(values, 0.75),
        }
    }

    /// `min–max`, with `decimals` digits after the point.
    pub fn range(&self, decimals: usize) -> String {
        format!("{:.decimals$}–{:.decimals$}", self.min, self.max)
    }

    /// `lower quartile–upper quartile`, with `decimals` digits after the point.
    pub fn interquartile(&self, decimals: usize) -> String {
        format!(
            "{:.decimals$}–{:.decimals$}",
            self.lower_quartile, self.upper_quartile
        )
    }

    /// `median (min–max)`, with `decimals` digits after the point.
    pub fn summary(&self, decimals: usize) -> String {
        format!("{:.decimals$} ({})", self.median, self.range(decimals))
    }
}

/// A plain-text table: the first column left-aligned (names), the others right-aligned
/// (figures), each as wide as its widest cell.
#[derive(Debug, Clone)]
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<S: ToString>(header: &[S]) -> Self {
        Self {
            rows: vec![header.iter().map(ToString::to_string).collect()],
        }
    }

    pub fn row(&mut self, cells: Vec<String>) -> &mut Self {
        self.rows.push(cells);
        self
    }

    /// A table of per-round figures, filled with `figure`.
    pub fn of_figures() -> Self {
        Self::new(&[
            "per round",
            "median",
            "min–max",
            "IQR",
            "target",
            "each round",
        ])
    }

    /// A row of a table of per-round figures: `name`, the median of `values` (one per round),
    /// their range and interquartile range, `target`, then every round's value in order.
    pub fn figure(
        &mut self,
        name: &str,
        values: &[f64],
        decimals: usize,
        target: &str,
    ) -> &mut Self {
        let spread = Spread::of(values);
        let each: Vec<String> = values
            .iter()
            .map(|value| format!("{value:.decimals$}"))
            .collect();
        self.row(vec![
            name.to_owned(),
            format!("{:.decimals$}", spread.median),
            spread.range(decimals),
            spread.interquartile(decimals),
            target.to_owned(),
            each.join(" "),
        ])
    }
}

impl fmt::Display for Table {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|column| {
                self.rows
                    .iter()
                    .filter_map(|row| row.get(column))
                    .map(|cell| cell.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for row in &self.rows {
            let mut line = String::new();
            for (column, cell) in row.iter().enumerate() {
                let width = widths[column];
                if column == 0 {
                    line.push_str(&format!("{cell:<width$}"));
                } else {
                    line.push_str(&format!("  {cell:>width$}"));
                }
            }
            writeln!(formatter, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_ranks() {
        let values = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(quantile(&values, 0.0), 1.0);
        assert_eq!(quantile(&values, 1.0), 4.0);
        assert_eq!(quantile(&values, 0.5), 2.5);
        assert!(quantile(&[], 0.5).is_nan());
    }

    #[test]
    fn spread_takes_the_median_of_odd_rounds_and_their_extremes() {
        let spread = Spread::of(&[1.3, 1.1, 2.0, 1.2, 1.25]);
        assert_eq!(spread.median, 1.25);
        assert_eq!(spread.min, 1.1);
        assert_eq!(spread.max, 2.0);
        assert_eq!(spread.lower_quartile, 1.2);
        assert_eq!(spread.upper_quartile, 1.3);
        assert_eq!(spread.summary(2), "1.25 (1.10–2.00)");
    }

    #[test]
    fn table_aligns_names_left_and_figures_right() {
        let mut table = Table::new(&["path", "p50 µs"]);
        table.row(vec!["(a) raw".into(), "95.1".into()]);
        table.row(vec!["(b) route()".into(), "110.25".into()]);
        assert_eq!(
            table.to_string(),
            "path         p50 µs\n(a) raw        95.1\n(b) route()  110.25\n"
        );
    }

    #[test]
    fn figure_rows_give_the_median_spread_target_and_every_round() {
        let mut table = Table::of_figures();
        table.figure("b/a", &[1.2, 1.0, 1.4], 2, "≤ 1.30");
        let text = table.to_string();
        let row = text.lines().nth(1).unwrap_or_default();
        assert_eq!(
            row.split_whitespace().collect::<Vec<_>>(),
            [
                "b/a",
                "1.20",
                "1.00–1.40",
                "1.10–1.30",
                "≤",
                "1.30",
                "1.20",
                "1.00",
                "1.40"
            ]
        );
    }
}
