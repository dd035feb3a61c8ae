//! Signing, then compressing, then encrypting, in one streaming pass (RFC 8551 3.6):
//! `smime protect`.
//!
//! The stages are the whole-message operations of [`crate::sign`], [`crate::compress`] (when
//! asked) and [`crate::encrypt`] (and, with triple wrapping, the signer again: sign, encrypt,
//! sign, RFC 2634 1.1), each reading a message and writing a message. They are chained with
//! OS pipes ([`std::io::pipe`]), one thread per stage, so the message streams through in
//! bounded memory (as far as each stage streams). A stage that fails drops both ends of its pipes:
//! the stage before it gets a broken pipe, the one after it an early end of input, so
//! nothing waits forever; the error reported is the first real one along the chain, named
//! by its stage.
//!
//! Header protection (RFC 9788, [`crate::mime::header_protection`]) is applied before the
//! first signature: the protected header fields go into the signed entity, whose
//! Content-Type carries `hp="cipher"` when the message is encrypted (`hp="clear"` when it
//! is only signed), and the outer header fields pass through the confidentiality policy.

use std::io::{BufReader, Read, Write};

use crate::compress::Compressor;
use crate::encrypt::Encryptor;
use crate::message::read_header_block;
use crate::mime::header_protection::{protect_headers, ConfidentialityPolicy, HpMode};
use crate::sign::Signer;
use crate::{Error, Result};

/// Options for [`Protector`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProtectOptions {
    /// Sign the encrypted message again (sign, encrypt, sign: RFC 2634 1.1 triple wrapping).
    pub triple_wrap: bool,
    /// Keep the outer Subject of an encrypted message instead of `[...]`.
    pub keep_subject: bool,
    /// Compress the signed message (CompressedData, RFC 3274) before encrypting it.
    pub compress: bool,
}

/// What [`Protector::protect`] made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtectReport {
    /// The layers from the inside out (`signed`, `compressed`, `enveloped`, `signed`).
    pub layers: Vec<&'static str>,
    /// The `hp` parameter written on the protected entity.
    pub header_protection: HpMode,
}

/// Signs, and optionally compresses, encrypts and signs again, in one pass.
pub struct Protector {
    signer: Signer,
    compressor: Compressor,
    encryptor: Option<Encryptor>,
    options: ProtectOptions,
}

/// One stage of the chain: a whole-message transformation.
enum Stage<'a> {
    Sign {
        name: &'static str,
        signer: &'a Signer,
        protected_fields: Vec<u8>,
    },
    Compress(&'a Compressor),
    Encrypt(&'a Encryptor),
}

/// A whole-message transformation that can run as one link of [`run_chain`].
trait ChainStage: Sync {
    /// The stage's name, for errors.
    fn name(&self) -> &'static str;
    /// Read a message from `input`, write the result to `output`.
    fn run(&self, input: &mut dyn Read, output: &mut dyn Write) -> Result<()>;
}

impl ChainStage for Stage<'_> {
    fn name(&self) -> &'static str {
        match self {
            Stage::Sign { name, .. } => name,
            Stage::Compress(_) => "compress",
            Stage::Encrypt(_) => "encrypt",
        }
    }

    fn run(&self, input: &mut dyn Read, output: &mut dyn Write) -> Result<()> {
        match self {
            Stage::Sign {
                signer,
                protected_fields,
                ..
            } => signer.sign_with_protected_headers(protected_fields, input, output, &mut |_| {}),
            Stage::Compress(compressor) => compressor.compress(input, output),
            Stage::Encrypt(encryptor) => encryptor.encrypt(input, output),
        }
    }
}

impl Protector {
    /// A protector: `signer` signs (twice with triple wrapping), `encryptor` (if any)
    /// encrypts. Without an encryptor the message is only signed, with `hp="clear"`.
    pub fn new(
        signer: Signer,
        encryptor: Option<Encryptor>,
        options: ProtectOptions,
    ) -> Result<Self> {
        if options.triple_wrap && encryptor.is_none() {
            return Err(Error::Unexpected(
                "triple wrapping (sign, encrypt, sign) needs recipients to encrypt to".into(),
            ));
        }
        Ok(Protector {
            signer,
            compressor: Compressor::new(),
            encryptor,
            options,
        })
    }

    /// Protect the message read from `input`, writing the result to `output`. On an error
    /// the output is incomplete and must be discarded.
    pub fn protect<R: Read, W: Write + Send>(&self, input: R, output: W) -> Result<ProtectReport> {
        let mode = if self.encryptor.is_some() {
            HpMode::Cipher
        } else {
            HpMode::Clear
        };
        let policy = if self.options.keep_subject {
            ConfidentialityPolicy::BaselineKeepSubject
        } else {
            ConfidentialityPolicy::Baseline
        };
        let mut reader = BufReader::with_capacity(64 * 1024, input);
        let header = read_header_block(&mut reader, "message")?;
        let prepared = protect_headers(&header, mode, policy)?;
        let mut stages = vec![Stage::Sign {
            name: "sign",
            signer: &self.signer,
            protected_fields: prepared.protected_fields,
        }];
        let mut layers = vec!["signed"];
        if self.options.compress {
            stages.push(Stage::Compress(&self.compressor));
            layers.push("compressed");
        }
        if let Some(encryptor) = &self.encryptor {
            stages.push(Stage::Encrypt(encryptor));
            layers.push("enveloped");
            if self.options.triple_wrap {
                stages.push(Stage::Sign {
                    name: "outer sign",
                    signer: &self.signer,
                    protected_fields: Vec::new(),
                });
                layers.push("signed");
            }
        }
        let input = (&prepared.message_header[..]).chain(reader);
        run_chain(&stages, input, output)?;
        Ok(ProtectReport {
            layers,
            header_protection: mode,
        })
    }

    /// Protect a message held in memory.
    pub fn protect_bytes(&self, message: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(message.len() * 2 + 8192);
        self.protect(message, &mut out)?;
        Ok(out)
    }
}

/// Run `stages` as a chain: the first on this thread reading `input`, each next one on its
/// own thread reading the pipe from the one before, the last writing `output`.
fn run_chain<S: ChainStage, R: Read, W: Write + Send>(
    stages: &[S],
    mut input: R,
    output: W,
) -> Result<()> {
    let Some((first, rest)) = stages.split_first() else {
        return Ok(());
    };
    if rest.is_empty() {
        let mut output = output;
        return first
            .run(&mut input, &mut output)
            .map_err(|e| stage_error(first.name(), e));
    }
    let mut readers = Vec::with_capacity(rest.len());
    let mut writers = Vec::with_capacity(rest.len());
    for _ in rest {
        let (r, w) = std::io::pipe()?;
        readers.push(r);
        writers.push(w);
    }
    let mut first_writer = writers.remove(0);
    // Stage i (1-based in `rest`) writes to writers[i] or, the last one, to `output`.
    let mut outputs: Vec<Box<dyn Write + Send + '_>> = writers
        .into_iter()
        .map(|w| Box::new(w) as Box<dyn Write + Send>)
        .collect();
    outputs.push(Box::new(output));
    std::thread::scope(|scope| {
        let handles: Vec<_> = rest
            .iter()
            .zip(readers)
            .zip(outputs)
            .map(|((stage, reader), output)| {
                scope.spawn(move || {
                    let (mut reader, mut output) = (reader, output);
                    let result = stage.run(&mut reader, &mut output);
                    // Both pipe ends close here, even on an error: no stage waits forever.
                    drop(reader);
                    drop(output);
                    result
                })
            })
            .collect();
        let first_result = first.run(&mut input, &mut first_writer);
        drop(first_writer);
        let mut results = vec![(first.name(), first_result)];
        for (stage, handle) in rest.iter().zip(handles) {
            let result = handle
                .join()
                .unwrap_or_else(|_| Err(Error::Unexpected("the stage panicked".into())));
            results.push((stage.name(), result));
        }
        first_failure(results)
    })
}

/// The error to report: the first failing stage along the chain whose error is not a broken
/// pipe (a broken pipe is the consequence of a later stage giving up); if every failure is
/// one, the last.
fn first_failure(results: Vec<(&'static str, Result<()>)>) -> Result<()> {
    let failures: Vec<(&'static str, Error)> = results
        .into_iter()
        .filter_map(|(name, r)| r.err().map(|e| (name, e)))
        .collect();
    let index = failures
        .iter()
        .position(|(_, e)| !is_broken_pipe(e))
        .or(failures.len().checked_sub(1));
    match index {
        None => Ok(()),
        Some(i) => {
            let (name, error) = failures.into_iter().nth(i).expect("index is in range");
            Err(stage_error(name, error))
        }
    }
}

fn is_broken_pipe(e: &Error) -> bool {
    matches!(e, Error::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe)
}

fn stage_error(stage: &'static str, error: Error) -> Error {
    Error::Stage {
        stage,
        source: Box::new(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }

    /// The error and its sources, as the CLI prints them.
    fn chain(e: Error) -> String {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            text.push_str(&format!(": {s}"));
            source = s.source();
        }
        text
    }

    #[test]
    fn first_failure_skips_broken_pipes_of_earlier_stages() {
        let broken = || Err(Error::Io(std::io::ErrorKind::BrokenPipe.into()));
        let result = first_failure(vec![
            ("sign", broken()),
            ("encrypt", Err(Error::Unexpected("bad recipient".into()))),
            ("outer sign", Ok(())),
        ]);
        let text = chain(result.unwrap_err());
        assert!(
            text.starts_with("encrypt stage:") && text.contains("bad recipient"),
            "{text}"
        );
        let result = first_failure(vec![("sign", Ok(())), ("encrypt", broken())]);
        assert!(chain(result.unwrap_err()).starts_with("encrypt stage"));
        assert!(first_failure(vec![("sign", Ok(()))]).is_ok());
    }

    #[test]
    fn first_failure_prefers_the_upstream_cause_over_a_truncated_downstream() {
        let result = first_failure(vec![
            (
                "sign",
                Err(Error::mime("message", "header line 1 has no colon")),
            ),
            (
                "encrypt",
                Err(Error::Unexpected("the input is empty".into())),
            ),
        ]);
        let text = chain(result.unwrap_err());
        assert!(
            text.starts_with("sign stage:") && text.contains("no colon"),
            "{text}"
        );
    }

    /// A test stage: copies its input, or fails at once.
    struct Copy(bool);

    impl ChainStage for Copy {
        fn name(&self) -> &'static str {
            if self.0 {
                "copy"
            } else {
                "failing"
            }
        }
        fn run(&self, input: &mut dyn Read, output: &mut dyn Write) -> Result<()> {
            if !self.0 {
                return Err(Error::Unexpected("stage two gave up".into()));
            }
            std::io::copy(input, output)?;
            Ok(())
        }
    }

    /// Chains over real pipes, larger than a pipe buffer: a failing middle stage or input
    /// makes the call return (no deadlock) with that error, named by its stage.
    #[test]
    fn run_chain_failing_stage_returns_its_error_without_deadlock() {
        let big = vec![b'x'; 4 * 1024 * 1024];
        let mut out = Vec::new();
        run_chain(&[Copy(true), Copy(true), Copy(true)], &big[..], &mut out).unwrap();
        assert_eq!(out, big);
        let mut out = Vec::new();
        let r = run_chain(&[Copy(true), Copy(false), Copy(true)], &big[..], &mut out);
        let text = chain(r.unwrap_err());
        assert!(
            text.starts_with("failing stage:") && text.contains("gave up"),
            "{text}"
        );
        let mut out = Vec::new();
        let r = run_chain(&[Copy(true), Copy(true)], Failing, &mut out);
        let text = chain(r.unwrap_err());
        assert!(
            text.starts_with("copy stage:") && text.contains("disk on fire"),
            "{text}"
        );
    }
}
