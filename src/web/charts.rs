//! The charts of the budget pages (web.md "Charts"), drawn on the server as SVG: readable with
//! scripts off, printable, and checkable by reading the markup. Positions are whole pixels from
//! integer arithmetic on fen and days; no float comes near an amount.
//!
//! - The budget bar: spent, then committed, against the allocation, on one scale per bar.
//! - The R10 forecast: cumulative projected spending (committed + spent today, plus each future
//!   person-day) against the allocation through the fiscal year, with today, the exhaustion date
//!   and the shortfall marked. One day is [`DAY_PX`] pixels wide, so a date's x is exact.

use chrono::{Duration, NaiveDate};

use crate::domain::duty::Segment;
use crate::domain::Money;

use super::format::{date, yuan};

/// The budget bar's drawing width.
pub const BAR_WIDTH: i64 = 300;
/// The budget bar's height.
const BAR_HEIGHT: i64 = 18;

/// `part` of `whole` on a `width`-pixel scale, rounded down; 0 for an empty scale, never more
/// than `width` or less than 0.
pub fn scaled(part_fen: i64, whole_fen: i64, width: i64) -> i64 {
    if whole_fen <= 0 || part_fen <= 0 {
        return 0;
    }
    let px = i128::from(part_fen) * i128::from(width) / i128::from(whole_fen);
    i64::try_from(px).unwrap_or(width).clamp(0, width)
}

/// Escapes text for SVG markup.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The pixel lengths of one line's bar: the scale is the larger of the allocation and what is used
/// (committed + spent), so an over-committed line runs to the end with the allocation marked
/// before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bar {
    pub spent: i64,
    pub committed: i64,
    pub allocated: i64,
}

pub fn bar(allocated: Money, committed: Money, spent: Money) -> Bar {
    let used = committed.fen().saturating_add(spent.fen());
    let scale = allocated.fen().max(used);
    let spent_px = scaled(spent.fen(), scale, BAR_WIDTH);
    // Committed starts where spent ends; both together are rounded once, so they never overrun.
    let used_px = scaled(used, scale, BAR_WIDTH);
    Bar {
        spent: spent_px,
        committed: used_px.saturating_sub(spent_px).max(0),
        allocated: scaled(allocated.fen(), scale, BAR_WIDTH),
    }
}

/// The SVG of one line's bar, with a `<title>` that says its numbers.
pub fn bar_svg(name: &str, allocated: Money, committed: Money, spent: Money) -> String {
    let b = bar(allocated, committed, spent);
    let title = format!(
        "{}：已支出 {}，已承诺 {}，预算 {}",
        name,
        yuan(spent),
        yuan(committed),
        yuan(allocated)
    );
    format!(
        concat!(
            r#"<svg class="bar" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">"#,
            "<title>{title}</title>",
            r##"<rect class="track" x="0" y="0" width="{w}" height="{h}" fill="#eaeef2"/>"##,
            r##"<rect class="spent" x="0" y="0" width="{s}" height="{h}" fill="#0b5cad"/>"##,
            r##"<rect class="committed" x="{s}" y="0" width="{c}" height="{h}" fill="#8fb8e3"/>"##,
            r##"<line class="allocated" x1="{a}" y1="0" x2="{a}" y2="{h}" stroke="#1b1f24" stroke-width="2"/>"##,
            "</svg>"
        ),
        w = BAR_WIDTH,
        h = BAR_HEIGHT,
        title = esc(&title),
        s = b.spent,
        c = b.committed,
        a = b.allocated.min(BAR_WIDTH - 1),
    )
}

/// One day's width in the forecast chart.
pub const DAY_PX: i64 = 2;
/// The forecast chart's margins and plot height.
pub const LEFT: i64 = 8;
/// Above the plot, two rows of labels: 今天 in the first, the exhaustion date in the second, so
/// the two never overlap however close the days are.
const TOP: i64 = 44;
const TODAY_ROW: i64 = 16;
const EXHAUSTION_ROW: i64 = 36;
pub const PLOT_HEIGHT: i64 = 200;
/// Right of the plot, the amounts (预算, 缺口) beside their heights: outside the plot, so the
/// projection never crosses them.
const GUTTER: i64 = 150;
/// The labels' font size, and the least distance between two labels' baselines in the gutter.
const FONT: i64 = 12;
const LINE_GAP: i64 = FONT + 4;

/// Baselines for labels wanted at `wanted` (in order of height, top first): each at least
/// [`LINE_GAP`] below the one above it, none above the plot's top.
fn spread(wanted: &[i64]) -> Vec<i64> {
    let mut placed: Vec<i64> = Vec::with_capacity(wanted.len());
    for &y in wanted {
        let floor = placed.last().map_or(TOP + FONT, |above| above + LINE_GAP);
        placed.push(y.max(floor));
    }
    placed
}

/// x of a day in the fiscal year of `first` (1 January): the left edge of that day.
pub fn day_x(first: NaiveDate, day: NaiveDate) -> i64 {
    LEFT + (day - first).num_days() * DAY_PX
}

/// y of an amount on a scale whose top is `top_fen`.
pub fn amount_y(fen: i64, top_fen: i64) -> i64 {
    TOP + PLOT_HEIGHT - scaled(fen, top_fen, PLOT_HEIGHT)
}

/// What the forecast chart shows.
pub struct ForecastChart<'a> {
    pub year: i32,
    pub as_of: NaiveDate,
    pub allocated: Money,
    /// committed + spent as of `as_of`.
    pub used: Money,
    /// Every person-day segment of the fiscal year (R10); only days from `as_of` on are added.
    pub segments: &'a [Segment],
    pub projected_total: Money,
    pub shortfall: Money,
    pub exhaustion_date: Option<NaiveDate>,
}

/// The projected cumulative spending at the start of each day where the daily rate changes, from
/// `as_of` to the day after the fiscal year: between two points it grows linearly, so the
/// polyline through them is exact.
pub fn cumulative(
    as_of: NaiveDate,
    year_end: NaiveDate,
    used: Money,
    segments: &[Segment],
) -> Vec<(NaiveDate, Money)> {
    let future: Vec<Segment> = segments.iter().filter_map(|s| s.from_day(as_of)).collect();
    let after_end = year_end + Duration::days(1);
    let mut days: Vec<NaiveDate> = vec![as_of, after_end];
    for s in &future {
        days.push(s.from);
        days.push(s.to + Duration::days(1));
    }
    days.retain(|d| *d >= as_of && *d <= after_end);
    days.sort();
    days.dedup();
    days.into_iter()
        .map(|d| {
            // Everything before `d`: the future segments clipped to [as_of, d − 1].
            let before = d - Duration::days(1);
            let cost = future
                .iter()
                .filter_map(|s| s.within(as_of, before))
                .try_fold(used, |acc, s| acc.checked_add(s.cost()?))
                .unwrap_or(used);
            (d, cost)
        })
        .collect()
}

/// The SVG of a line's R10 forecast.
pub fn forecast_svg(chart: &ForecastChart<'_>) -> String {
    let first = NaiveDate::from_ymd_opt(chart.year, 1, 1).unwrap_or(chart.as_of);
    let last = NaiveDate::from_ymd_opt(chart.year, 12, 31).unwrap_or(chart.as_of);
    let as_of = chart.as_of.clamp(first, last + Duration::days(1));
    let points = cumulative(as_of, last, chart.used, chart.segments);
    let top_fen = chart
        .allocated
        .fen()
        .max(chart.projected_total.fen())
        .max(chart.used.fen())
        .max(1);
    let days = (last - first).num_days() + 1;
    let end_x = LEFT + days * DAY_PX;
    let width = end_x + GUTTER;
    let height = TOP + PLOT_HEIGHT + 40;
    let bottom = TOP + PLOT_HEIGHT;
    let alloc_y = amount_y(chart.allocated.fen(), top_fen);
    let path: Vec<String> = points
        .iter()
        .map(|(d, m)| format!("{},{}", day_x(first, *d), amount_y(m.fen(), top_fen)))
        .collect();
    let title = format!(
        "{} 年预测：预算 {}，预计全年支出 {}{}{}",
        chart.year,
        yuan(chart.allocated),
        yuan(chart.projected_total),
        if chart.shortfall.is_zero() {
            "，不会超支".to_string()
        } else {
            format!("，缺口 {}", yuan(chart.shortfall))
        },
        match chart.exhaustion_date {
            Some(d) => format!("，预计 {} 用完", date(d)),
            None => String::new(),
        }
    );
    let mut svg = format!(
        r#"<svg class="forecast" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>"#,
        esc(&title)
    );
    svg.push_str(&format!(
        r##"<rect class="plot" x="{LEFT}" y="{TOP}" width="{}" height="{PLOT_HEIGHT}" fill="#fff" stroke="#d0d7de"/>"##,
        days * DAY_PX
    ));
    // Month ticks and labels.
    for m in 1..=12u32 {
        if let Some(d) = NaiveDate::from_ymd_opt(chart.year, m, 1) {
            let x = day_x(first, d);
            svg.push_str(&format!(
                r##"<line x1="{x}" y1="{bottom}" x2="{x}" y2="{}" stroke="#8c959f"/><text x="{}" y="{}" font-size="11" fill="#57606a">{m}月</text>"##,
                bottom + 4,
                x + 2,
                bottom + 16
            ));
        }
    }
    svg.push_str(&format!(
        r##"<line class="allocation" x1="{LEFT}" y1="{alloc_y}" x2="{end_x}" y2="{alloc_y}" stroke="#1b1f24" stroke-dasharray="6 3" stroke-width="2"/>"##,
    ));
    svg.push_str(&format!(
        r##"<polyline class="projection" points="{}" fill="none" stroke="#0b5cad" stroke-width="3"/>"##,
        path.join(" ")
    ));
    // 今天 and the exhaustion date above the plot, each in its row, turned to stay inside.
    let top_label = |x: i64| {
        if x > width / 2 {
            (x - 3, "end")
        } else {
            (x + 3, "start")
        }
    };
    let today_x = day_x(first, as_of);
    let (tx, tanchor) = top_label(today_x);
    svg.push_str(&format!(
        r##"<line class="today" data-date="{d}" x1="{today_x}" y1="{TOP}" x2="{today_x}" y2="{bottom}" stroke="#1a7f37" stroke-width="2"/><text class="label" x="{tx}" y="{TODAY_ROW}" text-anchor="{tanchor}" font-size="{FONT}" fill="#1a7f37">今天 {d}</text>"##,
        d = date(chart.as_of)
    ));
    if let Some(ex) = chart.exhaustion_date {
        let x = day_x(first, ex);
        let (lx, anchor) = top_label(x);
        svg.push_str(&format!(
            r##"<line class="exhaustion" data-date="{d}" x1="{x}" y1="{TOP}" x2="{x}" y2="{bottom}" stroke="#b42318" stroke-width="2" stroke-dasharray="4 2"/><text class="label" x="{lx}" y="{EXHAUSTION_ROW}" text-anchor="{anchor}" font-size="{FONT}" fill="#b42318">{d} 用完</text>"##,
            d = date(ex)
        ));
    }
    // The amounts in the gutter, beside the heights they name, spread apart when close.
    let mut gutter: Vec<(i64, &str, String)> = vec![(
        alloc_y + FONT / 3,
        "#1b1f24",
        format!("预算 {}", yuan(chart.allocated)),
    )];
    if !chart.shortfall.is_zero() {
        let total_y = amount_y(chart.projected_total.fen(), top_fen);
        svg.push_str(&format!(
            r##"<line class="shortfall" x1="{x}" y1="{alloc_y}" x2="{x}" y2="{total_y}" stroke="#b42318" stroke-width="6"/>"##,
            x = end_x - 3,
        ));
        gutter.push((
            (alloc_y + total_y) / 2 + FONT / 3,
            "#b42318",
            format!("缺口 {}", yuan(chart.shortfall)),
        ));
    }
    gutter.sort_by_key(|(y, ..)| *y);
    let wanted: Vec<i64> = gutter.iter().map(|(y, ..)| *y).collect();
    for ((_, colour, text), y) in gutter.iter().zip(spread(&wanted)) {
        svg.push_str(&format!(
            r##"<text class="label" x="{}" y="{y}" font-size="{FONT}" fill="{colour}">{}</text>"##,
            end_x + 8,
            esc(text)
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn bars_are_proportional_to_the_amounts() {
        // Allocated 100,000.00; spent 25,000.00; committed 10,000.00.
        let b = bar(
            Money::yuan(100_000),
            Money::yuan(10_000),
            Money::yuan(25_000),
        );
        assert_eq!(
            b,
            Bar {
                spent: 75,
                committed: 30,
                allocated: 300
            }
        );
        // Over-committed: the scale is what is used, and the allocation is marked inside it.
        let b = bar(Money::yuan(100), Money::yuan(100), Money::yuan(100));
        assert_eq!((b.spent, b.committed, b.allocated), (150, 150, 150));
        let svg = bar_svg("<信访>", Money::yuan(100), Money::ZERO, Money::yuan(50));
        assert!(
            svg.contains(r#"class="spent" x="0" y="0" width="150""#),
            "{svg}"
        );
        assert!(svg.contains("<title>&lt;信访&gt;：已支出 ¥50.00"), "{svg}");
    }

    #[test]
    fn the_r10_worked_example_is_marked_on_its_day() {
        // One person at 480.00 all 2021 against 150,000.00: exhausted 2021-11-09.
        let segs = [Segment {
            from: d(2021, 1, 1),
            to: d(2021, 12, 31),
            per_day: Money::yuan(480),
        }];
        let points = cumulative(d(2021, 1, 1), d(2021, 12, 31), Money::ZERO, &segs);
        assert_eq!(
            points,
            vec![
                (d(2021, 1, 1), Money::ZERO),
                (d(2022, 1, 1), Money::yuan(175_200))
            ]
        );
        let svg = forecast_svg(&ForecastChart {
            year: 2021,
            as_of: d(2021, 1, 1),
            allocated: Money::yuan(150_000),
            used: Money::ZERO,
            segments: &segs,
            projected_total: Money::yuan(175_200),
            shortfall: Money::yuan(25_200),
            exhaustion_date: Some(d(2021, 11, 9)),
        });
        // 2021-11-09 is day 312 of the year (0-based): x = 8 + 312 × 2.
        assert!(
            svg.contains(r#"class="exhaustion" data-date="2021-11-09" x1="632""#),
            "{svg}"
        );
        assert!(svg.contains("缺口 ¥25,200.00"), "{svg}");
        // The projection ends at the top of the plot (the scale is the projected total).
        assert!(svg.contains(&format!("{},{}", 8 + 365 * 2, TOP)), "{svg}");
    }

    /// A `<text>` of the SVG as a box: left, top, right, bottom (baseline), and its text. Widths
    /// are estimated high: a CJK character is one font size wide, anything else two thirds.
    fn label_boxes(svg: &str) -> Vec<(i64, i64, i64, i64, String)> {
        let attr = |tag: &str, name: &str| -> Option<String> {
            let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
            Some(tag[start..].split('"').next()?.to_string())
        };
        svg.split("<text")
            .skip(1)
            .map(|t| {
                let (tag, rest) = t.split_once('>').unwrap();
                let text = rest.split("</text>").next().unwrap().to_string();
                let num = |n: &str| attr(tag, n).unwrap().parse::<i64>().unwrap();
                let size = num("font-size");
                let w: i64 = text
                    .chars()
                    .map(|c| if c.is_ascii() { size * 2 / 3 } else { size })
                    .sum();
                let (x, y) = (num("x"), num("y"));
                let left = match attr(tag, "text-anchor").as_deref() {
                    Some("end") => x - w,
                    _ => x,
                };
                (left, y - size, left + w, y + 2, text)
            })
            .collect()
    }

    /// No two labels overlap, and none lies in the plot, where the projection runs: 今天 never on
    /// 预算, the line never through 缺口, however close the days and amounts are.
    #[test]
    fn forecast_labels_neither_overlap_nor_sit_on_the_plot() {
        let segs = |per: i64| {
            [Segment {
                from: d(2021, 1, 1),
                to: d(2021, 12, 31),
                per_day: Money::yuan(per),
            }]
        };
        let busy = segs(480);
        let quiet = segs(100);
        // One chart a row: as of, allocated, used, segments, projected, shortfall, exhaustion.
        #[rustfmt::skip]
        let charts = [
            // Today at the start, the allocation at the top of the scale (as the page showed it).
            (d(2021, 1, 4),   150_000, 0,       &quiet, 36_200,  0,      None),
            // A small shortfall: 缺口 right under 预算; exhaustion the day after today.
            (d(2021, 12, 30), 150_000, 149_900, &busy,  150_860, 860,    Some(d(2021, 12, 31))),
            // The R10 worked example.
            (d(2021, 1, 1),   150_000, 0,       &busy,  175_200, 25_200, Some(d(2021, 11, 9))),
            // Exhausted on the day itself, mid-year.
            (d(2021, 7, 1),   50_000,  50_000,  &busy,  138_320, 88_320, Some(d(2021, 7, 1))),
        ];
        for (as_of, allocated, used, segments, projected, shortfall, exhaustion) in charts {
            let svg = forecast_svg(&ForecastChart {
                year: 2021,
                as_of,
                allocated: Money::yuan(allocated),
                used: Money::yuan(used),
                segments,
                projected_total: Money::yuan(projected),
                shortfall: Money::yuan(shortfall),
                exhaustion_date: exhaustion,
            });
            let boxes = label_boxes(&svg);
            assert!(boxes.iter().any(|b| b.4.starts_with("今天")), "{svg}");
            assert!(boxes.iter().any(|b| b.4.starts_with("预算")), "{svg}");
            if shortfall > 0 {
                assert!(boxes.iter().any(|b| b.4.starts_with("缺口")), "{svg}");
            }
            for (i, a) in boxes.iter().enumerate() {
                for b in &boxes[i + 1..] {
                    let apart = a.2 <= b.0 || b.2 <= a.0 || a.3 <= b.1 || b.3 <= a.1;
                    assert!(apart, "{} overlaps {} in {svg}", a.4, b.4);
                }
                let plot_right = LEFT + 365 * DAY_PX;
                let outside =
                    a.2 <= LEFT || a.0 >= plot_right || a.3 <= TOP || a.1 >= TOP + PLOT_HEIGHT;
                assert!(outside, "{} lies in the plot: {svg}", a.4);
            }
        }
    }

    #[test]
    fn the_curve_bends_where_the_rate_changes() {
        let segs = [
            Segment {
                from: d(2021, 3, 1),
                to: d(2021, 3, 10),
                per_day: Money::yuan(100),
            },
            Segment {
                from: d(2021, 3, 5),
                to: d(2021, 3, 6),
                per_day: Money::yuan(50),
            },
        ];
        let points = cumulative(d(2021, 3, 3), d(2021, 12, 31), Money::yuan(7), &segs);
        assert_eq!(
            points,
            vec![
                (d(2021, 3, 3), Money::yuan(7)),
                (d(2021, 3, 5), Money::yuan(207)),
                (d(2021, 3, 7), Money::yuan(507)),
                (d(2021, 3, 11), Money::yuan(907)),
                (d(2022, 1, 1), Money::yuan(907)),
            ]
        );
    }

    proptest! {
        #[test]
        fn bars_never_overrun_and_keep_their_order(
            alloc in 0i64..10_000_000_000, committed in 0i64..10_000_000_000, spent in 0i64..10_000_000_000,
        ) {
            let b = bar(Money::from_fen(alloc), Money::from_fen(committed), Money::from_fen(spent));
            prop_assert!(b.spent + b.committed <= BAR_WIDTH);
            prop_assert!(b.allocated <= BAR_WIDTH);
            prop_assert!(b.spent >= 0 && b.committed >= 0);
            if spent >= committed { prop_assert!(b.spent + 1 >= b.committed); }
        }

        #[test]
        fn the_curve_never_falls(days in 0i64..365, per in 0i64..100_000) {
            let segs = [Segment { from: d(2021, 1, 1), to: d(2021, 1, 1) + Duration::days(days), per_day: Money::from_fen(per) }];
            let points = cumulative(d(2021, 2, 1), d(2021, 12, 31), Money::ZERO, &segs);
            prop_assert!(points.windows(2).all(|w| w[0].1 <= w[1].1 && w[0].0 < w[1].0));
        }
    }
}
