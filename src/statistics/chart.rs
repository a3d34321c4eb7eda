//! A horizontal stacked bar chart drawn as SVG on the server: no script, nothing fetched, it
//! prints and reads in any browser, and it is drawn from the very figures the table beside it
//! shows (each bar carries its series and value as data attributes, which the tests compare
//! with the table). Colours come from the page's stylesheet through classes.

/// One series: its name (the legend's) and its CSS class.
pub struct Series {
    pub name: &'static str,
    pub class: &'static str,
}

/// One bar: its label and one value per series.
pub struct Bar {
    pub label: String,
    pub values: Vec<i64>,
}

const WIDTH: f64 = 720.0;
const LABEL: f64 = 230.0;
const ROW: f64 = 26.0;
const BAR: f64 = 18.0;
const TOP: f64 = 30.0;
/// A label longer than this many characters is cut on the bar (the full one is its title).
const LABEL_CHARS: usize = 14;

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The chart, titled `title` (its accessible name), of `bars` stacked by `series`.
pub fn stacked_bars(title: &str, series: &[Series], bars: &[Bar]) -> String {
    let max = bars
        .iter()
        .map(|b| b.values.iter().sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let span = WIDTH - LABEL - 60.0;
    let height = TOP + ROW * bars.len() as f64 + 10.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" \
         role=\"img\" aria-label=\"{}\">",
        escape(title)
    );
    // The legend.
    let mut x = LABEL;
    for s in series {
        svg.push_str(&format!(
            "<rect x=\"{x}\" y=\"6\" width=\"12\" height=\"12\" class=\"{}\"/>\
             <text x=\"{}\" y=\"16\" class=\"legend\">{}</text>",
            s.class,
            x + 16.0,
            escape(s.name)
        ));
        x += 16.0 + 14.0 * s.name.chars().count() as f64 + 18.0;
    }
    for (i, b) in bars.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let short: String = if b.label.chars().count() > LABEL_CHARS {
            b.label.chars().take(LABEL_CHARS - 1).chain(['…']).collect()
        } else {
            b.label.clone()
        };
        svg.push_str(&format!(
            "<g class=\"bar\" data-label=\"{label}\"><title>{label}</title>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\" class=\"label\">{}</text>",
            LABEL - 8.0,
            y + BAR - 4.0,
            escape(&short),
            label = escape(&b.label),
        ));
        let mut x = LABEL;
        for (s, v) in series.iter().zip(&b.values) {
            let w = span * *v as f64 / max;
            if *v > 0 {
                svg.push_str(&format!(
                    "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"{BAR}\" class=\"{}\" \
                     data-series=\"{}\" data-value=\"{v}\"><title>{}：{v}</title></rect>",
                    s.class,
                    escape(s.name),
                    escape(s.name)
                ));
            }
            x += w;
        }
        let sum: i64 = b.values.iter().sum();
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{}\" class=\"value\">{sum}</text></g>",
            x + 6.0,
            y + BAR - 4.0
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERIES: [Series; 2] = [
        Series {
            name: "按期",
            class: "ok",
        },
        Series {
            name: "逾期",
            class: "late",
        },
    ];

    #[test]
    fn each_bar_carries_its_figures_and_labels_are_escaped() {
        let svg = stacked_bars(
            "期限统计",
            &SERIES,
            &[
                Bar {
                    label: "信阳市<市场>监督管理局和信阳市公安局联合专班".into(),
                    values: vec![3, 1],
                },
                Bar {
                    label: "罗山县公安局".into(),
                    values: vec![0, 2],
                },
            ],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("aria-label=\"期限统计\""));
        assert!(svg.contains("data-series=\"按期\" data-value=\"3\""));
        assert!(svg.contains("data-series=\"逾期\" data-value=\"1\""));
        // A zero draws nothing.
        assert!(!svg.contains("data-value=\"0\""));
        assert!(svg.contains("&lt;市场&gt;") && !svg.contains("<市场>"));
        // The long label is cut on the bar, whole in its title.
        assert!(svg.contains("信阳市&lt;市场&gt;监督管理局和…"));
        assert_eq!(svg.matches("<g class=\"bar\"").count(), 2);
    }

    #[test]
    fn the_longest_bar_fills_the_span_and_an_empty_chart_draws() {
        let svg = stacked_bars(
            "t",
            &SERIES,
            &[Bar {
                label: "a".into(),
                values: vec![2, 2],
            }],
        );
        // 720 - 230 - 60 = 430, split evenly.
        assert!(svg.contains("width=\"215.0\""), "{svg}");
        assert!(stacked_bars("t", &SERIES, &[]).contains("</svg>"));
    }
}
