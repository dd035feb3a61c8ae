//! `smime compress`.

use anyhow::Result;
use smime::compress::Compressor;

use crate::args::CompressArgs;
use crate::files::{input_len, open_input, Output};
use crate::progress;

/// Compress the input message.
pub fn run(args: &CompressArgs) -> Result<()> {
    let bar = progress::bar(input_len(args.io.input.as_deref()));
    let input = bar.wrap_read(open_input(args.io.input.as_deref())?);
    let mut output = Output::create(args.io.output.as_deref())?;
    Compressor::new().compress(input, &mut output)?;
    bar.finish_and_clear();
    output.commit()
}
