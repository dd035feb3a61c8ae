//! `smime inspect`.

use anyhow::Result;
use std::io::Read;

use crate::args::InspectArgs;
use crate::files::open_input;

/// Print the structure of the input.
pub fn run(args: &InspectArgs) -> Result<()> {
    let mut input = Vec::new();
    open_input(args.input.as_deref())?.read_to_end(&mut input)?;
    let report = smime::inspect::inspect(&input)?;
    if args.json {
        crate::files::print_stdout(&serde_json::to_string_pretty(&report)?)?;
    } else {
        crate::files::print_stdout(report.to_text().trim_end())?;
    }
    Ok(())
}
