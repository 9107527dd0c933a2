//! Progress of long commands on the terminal, shared by `run` and `sweep`.

/// A progress bar on stderr counting `len` of `what`, with the time elapsed and an ETA;
/// indicatif hides it when stderr is not a terminal.
pub fn progress_bar(len: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    let template = format!("{{elapsed_precise}} [{{bar:32}}] {{pos}}/{{len}} {what}, ETA {{eta}}");
    if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
