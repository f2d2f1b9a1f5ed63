//! Markdown to safe HTML, for organiser prose (intro, prompts, guidelines) and later for pieces.

use pulldown_cmark::{Options, Parser, html};

/// Render Markdown to HTML and sanitise it: raw HTML, scripts, event handlers and `javascript:`
/// links are removed, links get `rel="noopener noreferrer"`.
pub fn to_safe_html(markdown: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_SMART_PUNCTUATION);
    let parser = Parser::new_ext(markdown, options);
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, parser);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_in_markdown_is_rendered_inert() {
        let html = to_safe_html(
            "Hello <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
    }

    #[test]
    fn ordinary_markdown_keeps_its_structure() {
        let html =
            to_safe_html("## Heading\n\n* one\n* **two**\n\n> quoted [link](https://example.org)");
        assert!(html.contains("<h2>Heading</h2>"), "{html}");
        assert!(html.contains("<strong>two</strong>"), "{html}");
        assert!(html.contains("<blockquote>"), "{html}");
        assert!(html.contains(r#"href="https://example.org""#), "{html}");
    }
}
