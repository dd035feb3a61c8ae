//! `smime decompress`.

use anyhow::Result;
use smime::compress::{DecompressOptions, Decompressor};

use crate::args::DecompressArgs;
use crate::files::{input_len, open_input, Output};
use crate::progress;

/// Decompress the input. Output is held in a temporary file and released only on success
/// (renamed into place, or copied to standard output), so a decompression bomb or a corrupt
/// stream leaves no output behind.
pub fn run(args: &DecompressArgs) -> Result<()> {
    let bar = progress::bar(input_len(args.io.input.as_deref()));
    let input = bar.wrap_read(open_input(args.io.input.as_deref())?);
    let mut output = Output::create_held(args.io.output.as_deref())?;
    let decompressor = Decompressor::new(DecompressOptions {
        max_size: args.max_size,
    });
    let report = match decompressor.decompress(input, &mut output) {
        Err(e @ smime::Error::TooLarge { .. }) => {
            anyhow::bail!("{e}: refused as a possible decompression bomb (raise --max-size only for a trusted message)")
        }
        other => other?,
    };
    bar.finish_and_clear();
    output.commit()?;
    if args.json {
        eprintln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        eprintln!(
            "smime: decompressed {} ({}): {} bytes from {}",
            report.content_type,
            report.algorithm,
            report.decompressed_bytes,
            report.compressed_bytes
        );
    }
    Ok(())
}
