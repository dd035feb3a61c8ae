//! Every command-line argument of `smime`, in one place (the contract is in
//! ARCHITECTURE.md). Man page and shell completions are generated from these definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// S/MIME for people and programs: sign, verify and inspect mail (RFC 8551).
#[derive(Parser, Debug)]
#[command(name = "smime", version, about, long_about = None, after_help = EXAMPLES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// The certificate and key store.
    #[command(flatten)]
    pub store: StoreFlags,
}

/// Where the store is, how its private keys are unlocked and who acts (every command takes
/// them; ARCHITECTURE.md "The CLI contract"). Secrets come from files, never arguments.
#[derive(Args, Debug, Clone, Default)]
pub struct StoreFlags {
    /// The certificate and key store: a SQLite file (default: $SMIME_STORE, else
    /// $XDG_DATA_HOME/smime/store.sqlite) or a postgres:// URL.
    #[arg(long, global = true, value_name = "URL")]
    pub store: Option<String>,
    /// File whose first line is the passphrase that unlocks the store's private keys
    /// (default: $SMIME_PASSPHRASE_FILE).
    #[arg(long, global = true, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// File holding the store's 32-byte key-encryption key, instead of a passphrase
    /// (default: $SMIME_KEY_FILE; `smime store init` creates it when missing).
    #[arg(long, global = true, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
    /// The principal to act as (default: $SMIME_ACTOR, else the user name $USER).
    #[arg(long = "as", global = true, value_name = "NAME")]
    pub actor: Option<String>,
    /// The PKCS#11 module (shared library) of the token (default: $SMIME_PKCS11_MODULE,
    /// else SoftHSM2's /usr/lib/softhsm/libsofthsm2.so).
    #[arg(long, global = true, value_name = "PATH")]
    pub pkcs11_module: Option<PathBuf>,
    /// Label of the PKCS#11 token holding keys (default: $SMIME_TOKEN; a store whose
    /// key-encryption key is in a token uses the token it recorded).
    #[arg(long, global = true, value_name = "LABEL")]
    pub token: Option<String>,
    /// File whose first line is the token's user PIN (default: $SMIME_PIN_FILE); the PIN
    /// is never an argument.
    #[arg(long, global = true, value_name = "FILE")]
    pub pin_file: Option<PathBuf>,
}

const EXAMPLES: &str = "\
Examples:
  smime sign --cert me.pem --key me.key --in mail.eml --out signed.eml
  smime sign --cert me.pem --key me.key --opaque --digest sha384 < mail.eml > signed.eml
  smime verify --trust ca.pem --in signed.eml
  smime verify --trust ca.pem --json --in signed.eml
  smime inspect --in signed.eml
  smime encrypt --to bob.pem --self me.pem --in mail.eml --out encrypted.eml
  smime decrypt --cert me.pem --key me.key --in encrypted.eml --out mail.eml
  smime sign --cert me.pem --key me.key --receipt-request me@example.com --in mail.eml --out signed.eml
  smime receipt --cert me.pem --key me.key --in received.eml --out receipt.eml
  smime verify-receipt --original sent.eml --trust ca.pem --in receipt.eml
  smime protect --cert me.pem --key me.key --to bob.pem --in mail.eml --out protected.eml
  smime open --cert bob.pem --key bob.key --trust ca.pem --in protected.eml --out mail.eml
  smime compress --in mail.eml --out compressed.eml
  smime decompress --max-size 100M --in compressed.eml --out mail.eml
  smime cert verify --trust ca.pem --email bob@example.com --purpose encrypt bob.pem
  smime store init --passphrase-file pass.txt
  smime --token ca --pin-file pin.txt store init --kek-in-token
  smime --token ca --pin-file pin.txt ca init --name 'Example Org' --domain example.org --keys-in-token
  smime store import alice.p12 --password-file p12pass.txt --passphrase-file pass.txt
  smime sign --from alice@example.com --passphrase-file pass.txt --in mail.eml --out signed.eml
  smime encrypt --to bob@example.com --in mail.eml --out encrypted.eml

Exit codes: 0 success, 1 the message or certificate is not valid, 2 usage or input error.";

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Sign a message (multipart/signed by default, or opaque).
    #[command(
        after_help = "Example:\n  smime sign --cert me.pem --key me.key --chain ca.pem --in mail.eml --out signed.eml"
    )]
    Sign(SignArgs),
    /// Verify a signed message: signatures, signer, chain and sender address.
    #[command(
        after_help = "Example:\n  smime verify --trust ca.pem --in signed.eml --content-out content.eml"
    )]
    Verify(VerifyArgs),
    /// Encrypt a message to one or more recipients (RSA, ECDH or X25519; AES-CBC, AES-GCM or ChaCha20-Poly1305).
    #[command(
        after_help = "Example:\n  smime encrypt --to bob.pem --self me.pem --in mail.eml --out encrypted.eml"
    )]
    Encrypt(EncryptArgs),
    /// Decrypt a message with a recipient's key (certificate and key, PKCS#12, or a key-encryption key).
    #[command(
        after_help = "Reads AES-128/192/256-CBC, AES-GCM and ChaCha20-Poly1305 content; RSA key transport \
(OAEP, PKCS#1 v1.5), ECDH/X25519 key agreement, AES key wrap (128/192/256). AES-192 is read, never \
written. With --allow-legacy also 3DES and RC2 content, RSA keys of 1024-2047 bits and X9.42 \
Diffie-Hellman keys (ESDH, RFC 3370), the 3DES and RC2 key wraps.\n\n\
Example:\n  smime decrypt --cert me.pem --key me.key --in encrypted.eml --out mail.eml"
    )]
    Decrypt(DecryptArgs),
    /// Sign, then encrypt, in one pass (with header protection, RFC 9788).
    #[command(
        after_help = "Example:\n  smime protect --cert me.pem --key me.key --chain ca.pem --to bob.pem --self me.pem --in mail.eml --out protected.eml"
    )]
    Protect(ProtectArgs),
    /// Peel every encrypted, signed and compressed layer; verify and report each one.
    #[command(
        after_help = "Example:\n  smime open --cert me.pem --key me.key --trust ca.pem --in protected.eml --out mail.eml\n\nOnly the protected (innermost) entity is written, and only when every layer is good;\nthe report goes to standard error."
    )]
    Open(OpenArgs),
    /// Compress a message (CompressedData with zlib, RFC 3274).
    #[command(after_help = "Example:\n  smime compress --in mail.eml --out compressed.eml")]
    Compress(CompressArgs),
    /// Decompress a compressed message, refusing output past a size limit (default 1 GiB).
    #[command(
        after_help = "Example:\n  smime decompress --max-size 100M --in compressed.eml --out mail.eml"
    )]
    Decompress(DecompressArgs),
    /// Show the structure of an S/MIME message or CMS file: layers, algorithms, signers, certificates.
    Inspect(InspectArgs),
    /// Make the signed receipt (RFC 2634) for a received signed message that asks for one.
    #[command(
        after_help = "Example:\n  smime receipt --cert me.pem --key me.key --in received.eml --out receipt.eml\n\nExit codes: 0 the receipt was written; 1 the signature asking for it does not verify (no receipt is made); 2 the message asks no receipt of this certificate, or bad input."
    )]
    Receipt(ReceiptArgs),
    /// Check a signed receipt against the message we sent that asked for it.
    #[command(
        after_help = "Example:\n  smime verify-receipt --original sent.eml --trust ca.pem --in receipt.eml\n\nExit codes: 0 the receipt is valid for the original; 1 it is not (bad signature, untrusted, or not for this message); 2 bad input."
    )]
    VerifyReceipt(VerifyReceiptArgs),
    /// Certificates: validate one for S/MIME (path, mail rules, address).
    #[command(subcommand)]
    Cert(CertCommand),
    /// The certificate and key store: init, import, list, show, export, backup, restore,
    /// audit, principals.
    #[command(subcommand)]
    Store(StoreCommand),
    /// The organisation CA: revocation, CRLs and the OCSP/CRL server.
    #[command(subcommand)]
    Ca(CaCommand),
    /// Certificate lifecycle on the store: renewal with expiry notices, and the inventory.
    #[command(subcommand)]
    Lifecycle(LifecycleCommand),
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

/// `smime store ...`.
#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// Create the store (or initialise an empty PostgreSQL database): the schema, the
    /// key-encryption key from --passphrase-file or --key-file, and the acting principal
    /// as its first admin.
    #[command(
        after_help = "Examples:\n  smime store init --passphrase-file pass.txt\n  smime --store postgres://smime@db/smime store init --key-file /etc/smime/kek --domain example.com"
    )]
    Init(StoreInitArgs),
    /// Import certificates (PEM, DER, PKCS#7 certs-only) or a PKCS#12 file with its key.
    #[command(
        after_help = "Examples:\n  smime store import partners.pem\n  smime store import alice.p12 --password-file p12pass.txt --passphrase-file pass.txt"
    )]
    Import(StoreImportArgs),
    /// List certificates, all or those matching every filter given.
    List(StoreListArgs),
    /// Show one certificate (by fingerprint or a unique prefix of it) or an address: its
    /// certificates and its key history.
    Show(StoreShowArgs),
    /// Export the newest key of an address with its chain as PKCS#12 (AES-256-CBC,
    /// PBKDF2-SHA256, HMAC-SHA256 MAC).
    Export(StoreExportArgs),
    /// Write the whole store to one encrypted, integrity-protected archive.
    Backup(StoreBackupArgs),
    /// Rebuild an empty (just initialised) store from a backup archive.
    Restore(StoreRestoreArgs),
    /// Show the audit log, or check its hash chain with --verify (exit code 1 when broken).
    Audit(StoreAuditArgs),
    /// Principals and their roles (admin, key-officer, operator, auditor, user).
    #[command(subcommand)]
    Principal(PrincipalCommand),
}

/// `smime store init`.
#[derive(Args, Debug)]
pub struct StoreInitArgs {
    /// The organisation's own mail domains (for `list --shadow`). Repeat for several.
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Vec<String>,
    /// Seal the store's keys under an AES-256 key inside the PKCS#11 token (--token,
    /// --pin-file), made there when missing, instead of a passphrase or key file.
    #[arg(long)]
    pub kek_in_token: bool,
    /// CKA_LABEL of that AES key in the token.
    #[arg(
        long,
        value_name = "LABEL",
        default_value = "smime store kek",
        requires = "kek_in_token"
    )]
    pub kek_label: String,
}

/// `smime store import`.
#[derive(Args, Debug)]
pub struct StoreImportArgs {
    /// The file: PEM (several certificates), DER, a PKCS#7 certs-only bundle, or PKCS#12.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// File whose first line is the PKCS#12 password (none: empty password).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// The address a PKCS#12 key belongs to (default: the certificate's first address).
    #[arg(long = "for", value_name = "ADDR")]
    pub owner: Option<String>,
    /// Print what was imported as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `smime store list`.
#[derive(Args, Debug)]
pub struct StoreListArgs {
    /// Certificates of this address.
    #[arg(long, value_name = "ADDR")]
    pub email: Option<String>,
    /// Certificates not yet expired that expire within this many days.
    #[arg(long, value_name = "DAYS")]
    pub expiring: Option<u32>,
    /// Certificates with an address in this domain.
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Option<String>,
    /// Certificates from this issuer (its RFC 4514 name, as `list` shows it).
    #[arg(long, value_name = "NAME")]
    pub issuer: Option<String>,
    /// Certificates marked revoked.
    #[arg(long)]
    pub revoked: bool,
    /// Certificates for the organisation's domains not issued under an approved CA.
    #[arg(long)]
    pub shadow: bool,
    /// Print JSON (an array of certificate objects).
    #[arg(long)]
    pub json: bool,
}

/// `smime store show`.
#[derive(Args, Debug)]
pub struct StoreShowArgs {
    /// A certificate fingerprint (SHA-256 hex, or a unique prefix of at least 8 digits) or
    /// an address.
    #[arg(value_name = "ID|ADDR")]
    pub target: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `smime store export`.
#[derive(Args, Debug)]
pub struct StoreExportArgs {
    /// The address whose newest key is exported.
    #[arg(value_name = "ADDR")]
    pub address: String,
    /// The PKCS#12 file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// File whose first line is the password of the PKCS#12 file.
    #[arg(long, value_name = "FILE")]
    pub password_file: PathBuf,
}

/// `smime store backup`.
#[derive(Args, Debug)]
pub struct StoreBackupArgs {
    /// The archive to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// File whose first line is the archive's passphrase (default: --passphrase-file).
    #[arg(long, value_name = "FILE")]
    pub archive_passphrase_file: Option<PathBuf>,
}

/// `smime store restore`.
#[derive(Args, Debug)]
pub struct StoreRestoreArgs {
    /// The archive to read.
    #[arg(long = "in", value_name = "FILE")]
    pub input: PathBuf,
    /// File whose first line is the archive's passphrase (default: --passphrase-file).
    #[arg(long, value_name = "FILE")]
    pub archive_passphrase_file: Option<PathBuf>,
}

/// `smime store audit`.
#[derive(Args, Debug)]
pub struct StoreAuditArgs {
    /// Check the hash chain: exit code 1 and the first break when an entry was removed,
    /// edited or added around the store.
    #[arg(long)]
    pub verify: bool,
    /// Show entries after this sequence number.
    #[arg(long, value_name = "SEQ", default_value_t = 0)]
    pub after: i64,
    /// Show at most this many entries.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub limit: i64,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// The roles of principals.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleArg {
    /// Everything, including principals and settings.
    Admin,
    /// Export, back up and restore keys; use keys; read the inventory.
    KeyOfficer,
    /// Import, issue and revoke certificates; read the inventory.
    Operator,
    /// Read the inventory and the audit log.
    Auditor,
    /// Its own address's certificates and keys (give --address).
    User,
}

/// `smime store principal ...`.
#[derive(Subcommand, Debug)]
pub enum PrincipalCommand {
    /// Add a principal.
    Add(PrincipalArgs),
    /// Give a principal another role.
    SetRole(PrincipalArgs),
    /// Remove a principal (not the last admin).
    Remove {
        /// The principal's name.
        name: String,
    },
    /// List the principals.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// A principal and its role.
#[derive(Args, Debug)]
pub struct PrincipalArgs {
    /// The principal's name (what it gives with --as).
    pub name: String,
    /// Its role.
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// A user's own address.
    #[arg(long, value_name = "ADDR")]
    pub address: Option<String>,
}

/// `smime ca ...`.
#[derive(Subcommand, Debug)]
pub enum CaCommand {
    /// Make the organisation's CA in the store: a root that signs only CA certificates and
    /// an issuing intermediate (more levels with --levels), keys sealed in the store.
    #[command(
        after_help = "Example:\n  smime ca init --name \"Example Org\" --domain example.org --domain example.net \\\n    --base-url http://pki.example.org --name-constraints"
    )]
    Init(CaInitArgs),
    /// Write the CA certificates (issuing CA first, root last) as PEM.
    #[command(after_help = "Example:\n  smime ca chain --out chain.pem")]
    Chain(CaChainArgs),
    /// Issue certificates from the store's CA (CA/Browser Forum S/MIME profiles); the key is
    /// made by the CA and kept in the store under the address, so `sign --from` and
    /// `decrypt` use it. Without --usage a person gets two: one to sign, one to encrypt.
    #[command(
        after_help = "Examples:\n  smime ca issue --email alice@example.org --name \"Alice Example\" --profile mailbox-strict\n  smime ca issue --email finance@example.org --profile organization-strict --usage both --out finance.pem\n\nProfiles: mailbox|organization|sponsor|individual - strict|multipurpose (legacy is refused)."
    )]
    Issue(CaIssueArgs),
    /// Revoke a certificate the CA issued (by serial, or every valid one of an address),
    /// marking it in the store (audited); with --crl-out, also write the new CRL.
    #[command(
        after_help = "Examples:\n  smime ca revoke --ca-cert ca.pem --serial 5F:01:A2 --reason keyCompromise\n  smime ca revoke --ca-cert ca.pem --ca-key ca.key --email bob@example.com --reason affiliationChanged --crl-out ca.crl\n\nReasons (RFC 5280 5.3.1): unspecified, keyCompromise, cACompromise, affiliationChanged,\nsuperseded, cessationOfOperation, privilegeWithdrawn. A certificate revoked before keeps\nits first date and reason."
    )]
    Revoke(CaRevokeArgs),
    /// Write the CA's current CRL (DER): every certificate it issued that the store marks
    /// revoked, signed by the CA, nextUpdate in 7 days.
    #[command(
        after_help = "Example:\n  smime ca crl --ca-cert ca.pem --ca-key ca.key --out ca.crl"
    )]
    Crl(CaCrlArgs),
    /// Serve the CA over HTTP: GET /crl/<ca>.crl, GET /certs/<ca>.crt, POST /ocsp and GET
    /// /ocsp/<base64> (RFC 6960 A.1), answers read from the store; CRLs regenerated when the
    /// store changes and on schedule. <ca> is the CA's key identifier in hex.
    #[command(
        after_help = "Example:\n  smime ca serve --listen 0.0.0.0:8080 --ca-cert ca.pem --ca-key ca.key \\\n    --responder-cert ocsp.pem --responder-key ocsp.key --path-prefix /pki"
    )]
    Serve(CaServeArgs),
}

/// `smime ca init`.
#[derive(Args, Debug)]
pub struct CaInitArgs {
    /// The organisation's name (organizationName of the CA certificates).
    #[arg(long, value_name = "ORG")]
    pub name: String,
    /// A domain the CA issues for (repeat for several).
    #[arg(long = "domain", value_name = "DOMAIN", required = true)]
    pub domains: Vec<String>,
    /// Base URL under which `smime ca serve` publishes CRLs, OCSP and CA certificates
    /// (default http://pki.<first domain>).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Key algorithm of the CA keys: p384 (default), p256, rsa3072, rsa4096.
    #[arg(long, value_name = "ALG", default_value = "p384")]
    pub key_algorithm: String,
    /// Subordinate CA levels below the root (1 to 4).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub levels: usize,
    /// Limit the subordinate CAs to the organisation's domains (name constraints).
    #[arg(long)]
    pub name_constraints: bool,
    /// organizationIdentifier (e.g. NTRDE-DEK1101R.HRB12345); organization- and sponsor-
    /// validated profiles need it.
    #[arg(long, value_name = "ID")]
    pub org_id: Option<String>,
    /// countryName (ISO 3166-1 alpha-2).
    #[arg(long, value_name = "CC")]
    pub country: Option<String>,
    /// Generate the CA keys inside the PKCS#11 token (--token, --pin-file), sensitive and
    /// never extractable; the store records them as token keys.
    #[arg(long)]
    pub keys_in_token: bool,
}

/// `smime ca chain`.
#[derive(Args, Debug)]
pub struct CaChainArgs {
    /// Where to write the PEM (`-` or absent: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `smime ca issue`.
#[derive(Args, Debug)]
pub struct CaIssueArgs {
    /// The mailbox (rfc822Name) of the certificate.
    #[arg(long, value_name = "ADDR")]
    pub email: String,
    /// The person's (or role's) name.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// The profile: mailbox|organization|sponsor|individual-strict|multipurpose.
    #[arg(long, value_name = "P", default_value = "mailbox-strict")]
    pub profile: String,
    /// sign, encrypt or both; absent: two certificates, one to sign and one to encrypt.
    #[arg(long, value_name = "USAGE")]
    pub usage: Option<String>,
    /// Validity in days (at most 825).
    #[arg(long, value_name = "DAYS", default_value_t = 365)]
    pub validity_days: u32,
    /// Key algorithm of the subscriber key the CA makes: p256, p384, rsa3072, rsa4096
    /// (default: the CA's profile default).
    #[arg(long, value_name = "ALG")]
    pub key_algorithm: Option<String>,
    /// Certify the key of this PKCS#10 request (PEM or DER; its signature must verify):
    /// the key stays with the requester, only the certificate goes into the store.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["key_algorithm", "out_p12"])]
    pub csr: Option<PathBuf>,
    /// Also write the issued certificates (PEM) here.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Deliver each CA-made key as PKCS#12 (AES-256-CBC, PBKDF2-SHA256): this file for one
    /// certificate, `NAME-sign.p12` and `NAME-encrypt.p12` for a pair.
    #[arg(long, value_name = "FILE")]
    pub out_p12: Option<PathBuf>,
    /// The PKCS#12 password (first line); absent, one is generated and printed once.
    #[arg(long, value_name = "FILE", requires = "out_p12")]
    pub password_file: Option<PathBuf>,
    /// Generate the subscriber's key(s) inside the PKCS#11 token (--token, --pin-file),
    /// sensitive and never extractable; the store records them as token keys of the address.
    /// Not with --csr or --out-p12: the key never leaves the token.
    #[arg(long)]
    pub key_in_token: bool,
    /// Print what was issued as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The issuing CA as files; absent, the CA `smime ca init` keeps in the store.
#[derive(Args, Debug)]
pub struct CaFiles {
    /// The issuing CA's certificate (default: the store's issuing CA).
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
}

/// `smime ca revoke`.
#[derive(Args, Debug)]
pub struct CaRevokeArgs {
    #[command(flatten)]
    pub ca: CaFiles,
    /// The serial number, hex (`5f01a2`, `5F:01:A2`, `0x5f01a2`), as `--serial HEX` or as
    /// the argument (`smime ca revoke 5F01A2 --reason keyCompromise`).
    #[arg(
        long,
        value_name = "HEX",
        required_unless_present_any = ["email", "serial_arg"],
        conflicts_with_all = ["email", "serial_arg"]
    )]
    pub serial: Option<String>,
    /// The serial number, hex (the same as --serial).
    #[arg(value_name = "SERIAL", conflicts_with = "email")]
    pub serial_arg: Option<String>,
    /// Revoke every currently valid certificate of this address the CA issued.
    #[arg(long, value_name = "ADDR")]
    pub email: Option<String>,
    /// The reason (RFC 5280 5.3.1 name).
    #[arg(long, value_name = "REASON")]
    pub reason: String,
    /// The CA's private key, to write the new CRL with --crl-out.
    #[arg(long, value_name = "FILE", requires = "crl_out")]
    pub ca_key: Option<PathBuf>,
    /// Write the new CRL (DER) here.
    #[arg(long, value_name = "FILE")]
    pub crl_out: Option<PathBuf>,
}

/// `smime ca crl`.
#[derive(Args, Debug)]
pub struct CaCrlArgs {
    #[command(flatten)]
    pub ca: CaFiles,
    /// The CA's private key (default: the store's CA key, with --ca-cert absent too).
    #[arg(long, value_name = "FILE")]
    pub ca_key: Option<PathBuf>,
    /// Where to write the DER CRL (`-` for standard output).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// `smime ca serve`.
#[derive(Args, Debug)]
pub struct CaServeArgs {
    #[command(flatten)]
    pub ca: CaFiles,
    /// The CA's private key (signs the CRLs; default: the store's CA key, with --ca-cert
    /// absent too).
    #[arg(long, value_name = "FILE")]
    pub ca_key: Option<PathBuf>,
    /// The delegated OCSP responder certificate (issued by the CA, id-kp-OCSPSigning);
    /// absent, the CA issues one at start-up for a key kept only in memory (30 days).
    #[arg(long, value_name = "FILE", requires = "responder_key")]
    pub responder_cert: Option<PathBuf>,
    /// The responder's private key.
    #[arg(long, value_name = "FILE", requires = "responder_cert")]
    pub responder_key: Option<PathBuf>,
    /// Address and port to listen on.
    #[arg(long, value_name = "ADDR")]
    pub listen: String,
    /// The path of the CA's base URL (`/pki` for http://ca.example.org/pki).
    #[arg(long, value_name = "PATH", default_value = "")]
    pub path_prefix: String,
    /// How often the CRL is checked against the store, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub refresh: u64,
}

/// `smime cert ...`.
#[derive(Subcommand, Debug)]
pub enum CertCommand {
    /// Validate a certificate: build a path to a trust anchor (RFC 5280 6.1), check the mail
    /// rules (RFC 8550: extended key usage, key usage for the purpose) and, with --email,
    /// that the address is the certificate's. Prints the path and the first rule that failed.
    #[command(
        after_help = "Examples:\n  smime cert verify --trust ca.pem --untrusted intermediate.pem alice.pem\n  smime cert verify --trust /etc/ssl/certs --email bob@example.com --purpose encrypt --json bob.pem\n\nWithout --purpose: fit for S/MIME at all (signing or encryption). Without --email: no\naddress binding is checked.\n\nExit codes: 0 valid; 1 not valid; 2 bad input (unreadable file, no certificate)."
    )]
    Verify(CertVerifyArgs),
}

/// What a certificate is checked for (`cert verify --purpose`).
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurposeArg {
    /// Signing mail: digitalSignature or nonRepudiation.
    Sign,
    /// Receiving encrypted mail: keyEncipherment (RSA) or keyAgreement (ECDH, X25519).
    Encrypt,
}

/// Revocation checking of `cert verify` (RFC 5280 6.3, RFC 6960).
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevocationArg {
    /// An unknown status fails validation.
    Hard,
    /// An unknown status is a warning.
    Soft,
    /// Revocation is not checked.
    Off,
}

/// Revocation checking of certificate paths (`cert verify`, `verify`).
#[derive(Args, Debug, Clone)]
pub struct RevocationArgs {
    /// CRLs to check against (PEM `X509 CRL` blocks or one DER CRL), besides those fetched.
    #[arg(long, value_name = "FILE")]
    pub crl: Vec<PathBuf>,
    /// Revocation checking: `hard` fails when a status cannot be determined, `soft` only
    /// warns, `off` checks nothing; a revoked certificate fails under both. Default: `soft`
    /// for `cert verify`; for `verify` and `encrypt --trust`, `soft` when --crl or
    /// --ocsp-url is given, else `off`.
    #[arg(long, value_enum)]
    pub revocation: Option<RevocationArg>,
    /// Ask this OCSP responder first, for every certificate of the path.
    #[arg(long, value_name = "URL")]
    pub ocsp_url: Option<String>,
    /// No network: CRLs only from --crl, no OCSP, nothing fetched from the certificates' URLs.
    #[arg(long)]
    pub offline: bool,
}

/// `smime cert verify`.
#[derive(Args, Debug)]
pub struct CertVerifyArgs {
    /// Trust anchors: a PEM (several certificates) or DER file, or a directory of them
    /// (`*.pem`, `*.crt`, `*.cer`, `*.der`, OpenSSL hashed names). Repeat for several.
    #[arg(long, value_name = "CA", required_unless_present = "system_trust")]
    pub trust: Vec<PathBuf>,
    /// Trust the system's anchors too (SSL_CERT_FILE / SSL_CERT_DIR, else the system bundle).
    #[arg(long)]
    pub system_trust: bool,
    /// Intermediate certificates to build the path from (PEM may hold several).
    #[arg(long, value_name = "FILE")]
    pub untrusted: Vec<PathBuf>,
    /// The address the certificate must be bound to (rfc822Name, SmtpUTF8Mailbox, or the
    /// subject's emailAddress when the certificate has neither; domains compared after IDNA mapping).
    #[arg(long, value_name = "ADDR")]
    pub email: Option<String>,
    /// What the certificate must be fit for; absent: signing or encryption.
    #[arg(long, value_enum)]
    pub purpose: Option<PurposeArg>,
    /// Validate at this time (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
    /// Revocation checking (default: soft).
    #[command(flatten)]
    pub revocation: RevocationArgs,
    /// Accept legacy algorithms in the path: SHA-1 signatures, RSA keys from 1024 bits.
    #[arg(long)]
    pub allow_legacy: bool,
    /// Print the report as JSON (stable, documented in the README).
    #[arg(long)]
    pub json: bool,
    /// The certificate to validate (PEM or DER; the first certificate of the file).
    #[arg(value_name = "LEAF")]
    pub leaf: PathBuf,
}

/// Where input comes from and output goes.
#[derive(Args, Debug, Clone)]
pub struct InOut {
    /// Input file (`-` or absent: standard input).
    #[arg(long = "in", value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// Output file (`-` or absent: standard output). Written to a temporary file, then renamed.
    #[arg(long = "out", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Digest algorithms for signing.
#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum DigestArg {
    /// The key's own: SHA-256 for RSA and P-256, SHA-384 for P-384, SHA-512 for P-521 and Ed25519.
    Auto,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// `smime sign`.
#[derive(Args, Debug)]
#[command(group(
    clap::ArgGroup::new("signer")
        .required(true)
        .multiple(true)
        .args(["cert", "from"])
))]
pub struct SignArgs {
    /// Signer certificate (PEM or DER). Repeat with --key for several signers.
    #[arg(long, value_name = "CERT", requires = "key")]
    pub cert: Vec<PathBuf>,
    /// Signer private key (PEM or DER; PKCS#8, PKCS#1 or SEC1), in the order of --cert.
    #[arg(long, value_name = "KEY", requires = "cert")]
    pub key: Vec<PathBuf>,
    /// Sign as this address with its current signing key and chain from the store
    /// (--store, --passphrase-file). Repeat for several signers.
    #[arg(long, value_name = "ADDR")]
    pub from: Vec<String>,
    /// Certificates to include for the chain (PEM may hold several).
    #[arg(long, value_name = "FILE")]
    pub chain: Vec<PathBuf>,
    /// Announce this certificate for encryption (SMIMEEncryptionKeyPreference) and include it.
    #[arg(long, value_name = "CERT")]
    pub encryption_cert: Option<PathBuf>,
    /// Opaque signing: application/pkcs7-mime; smime-type=signed-data.
    #[arg(long)]
    pub opaque: bool,
    /// Digest algorithm.
    #[arg(long, value_enum, default_value = "auto")]
    pub digest: DigestArg,
    /// RSASSA-PSS instead of PKCS#1 v1.5 for RSA keys.
    #[arg(long)]
    pub pss: bool,
    /// Leave out the signing-time attribute.
    #[arg(long)]
    pub no_signing_time: bool,
    /// Ask for a signed receipt (RFC 2634) to be sent to this address. Repeat for several.
    #[arg(long, value_name = "ADDR")]
    pub receipt_request: Vec<String>,
    /// Who is asked for a receipt: every recipient, or only those who got the message
    /// directly (not through a mailing list).
    #[arg(long, value_enum, default_value = "all", requires = "receipt_request")]
    pub receipt_from: ReceiptFromArg,
    /// Input and output.
    #[command(flatten)]
    pub io: InOut,
}

/// Who is asked for a signed receipt (RFC 2634 2.7 allOrFirstTier).
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptFromArg {
    /// Every recipient (allReceipts).
    All,
    /// First-tier recipients only (firstTierRecipients).
    FirstTier,
}

/// `smime receipt`.
#[derive(Args, Debug)]
pub struct ReceiptArgs {
    /// Our certificate (PEM or DER): the receipt's signer.
    #[arg(long, value_name = "CERT")]
    pub cert: PathBuf,
    /// Our private key (PEM or DER; PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// Certificates to include for the chain (PEM may hold several).
    #[arg(long, value_name = "FILE")]
    pub chain: Vec<PathBuf>,
    /// Trust anchors: when given, the received message's signer must chain to one of them;
    /// without, only its signature is checked.
    #[arg(long, value_name = "CA")]
    pub trust: Vec<PathBuf>,
    /// Input (the received message) and output (the receipt message).
    #[command(flatten)]
    pub io: InOut,
}

/// `smime verify-receipt`.
#[derive(Args, Debug)]
pub struct VerifyReceiptArgs {
    /// The signed message we sent, which asked for the receipt.
    #[arg(long, value_name = "SENT")]
    pub original: PathBuf,
    /// Trust anchors for the receipt's signer (PEM/DER files or directories).
    #[arg(long, value_name = "CA")]
    pub trust: Vec<PathBuf>,
    /// Extra certificates: the receipt's signer if not included, intermediates.
    #[arg(long, value_name = "CERT")]
    pub cert: Vec<PathBuf>,
    /// Print the report as JSON (stable, documented in the README).
    #[arg(long)]
    pub json: bool,
    /// The receipt (`-` or absent: standard input).
    #[arg(long = "in", value_name = "FILE")]
    pub input: Option<PathBuf>,
}

/// `smime verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Trust anchors: PEM (several certificates) or DER files, or directories of them.
    #[arg(long, value_name = "CA")]
    pub trust: Vec<PathBuf>,
    /// Extra certificates: signers not included in the message, intermediates.
    #[arg(long, value_name = "CERT")]
    pub cert: Vec<PathBuf>,
    /// Validate the chain at this time (RFC 3339) instead of the signing time or now.
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
    /// Do not check the chain (the report says "not-checked").
    #[arg(long)]
    pub no_chain: bool,
    /// Revocation checking of the signers' chains (default: off).
    #[command(flatten)]
    pub revocation: RevocationArgs,
    /// Do not check the From/Sender address against the signer certificate.
    #[arg(long)]
    pub no_sender_check: bool,
    /// Accept legacy algorithms for reading old mail: SHA-1, RSA keys from 1024 bits.
    #[arg(long)]
    pub allow_legacy: bool,
    /// Print the report as JSON (stable, documented in the README).
    #[arg(long)]
    pub json: bool,
    /// Write the signed content (the entity that the signature covers) to this file.
    #[arg(long, value_name = "FILE")]
    pub content_out: Option<PathBuf>,
    /// The detached content, when the input is a bare CMS signature.
    #[arg(long, value_name = "FILE")]
    pub content: Option<PathBuf>,
    /// Input file (`-` or absent: standard input).
    #[arg(long = "in", value_name = "FILE")]
    pub input: Option<PathBuf>,
}

/// `smime inspect`.
#[derive(Args, Debug)]
pub struct InspectArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Input file (`-` or absent: standard input).
    #[arg(long = "in", value_name = "FILE")]
    pub input: Option<PathBuf>,
}

/// Content-encryption algorithms.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CipherArg {
    /// The strongest cipher every recipient is known to read (SMIMECapabilities from
    /// --capabilities); AES-256-CBC when any recipient is unknown, since Outlook, Apple Mail
    /// and NSS cannot read AuthEnvelopedData (GCM).
    Auto,
    /// AES-128-GCM (AuthEnvelopedData).
    #[value(name = "aes-128-gcm")]
    Aes128Gcm,
    /// AES-256-GCM (AuthEnvelopedData).
    #[value(name = "aes-256-gcm")]
    Aes256Gcm,
    /// ChaCha20-Poly1305 (AuthEnvelopedData, RFC 8103).
    #[value(name = "chacha20-poly1305")]
    ChaCha20Poly1305,
    /// AES-128-CBC (EnvelopedData).
    #[value(name = "aes-128-cbc")]
    Aes128Cbc,
    /// AES-256-CBC (EnvelopedData).
    #[value(name = "aes-256-cbc")]
    Aes256Cbc,
}

/// RSA key transport.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyTransportArg {
    /// RSAES-OAEP with SHA-256 and MGF1-SHA-256.
    Oaep,
    /// RSAES-PKCS1-v1_5, for old clients.
    Pkcs1,
}

/// How recipients are named in the message.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipientIdArg {
    /// Issuer and serial number (every client reads it).
    IssuerSerial,
    /// Subject key identifier.
    Ski,
}

/// The recipients of an encrypted message and how their keys are used: shared by
/// `smime encrypt` and `smime protect`.
#[derive(Args, Debug)]
pub struct RecipientArgs {
    /// Recipient certificate (PEM or DER; a PEM file may hold several), or an address whose
    /// valid encryption certificate is looked up in the store. Repeat for several.
    #[arg(long, value_name = "CERT|ADDR")]
    pub to: Vec<PathBuf>,
    /// The sender's own certificate (or address, looked up in the store), so that sent
    /// mail stays readable.
    #[arg(long = "self", value_name = "CERT|ADDR")]
    pub self_cert: Option<PathBuf>,
    /// Content-encryption algorithm.
    #[arg(long, value_enum, default_value = "auto")]
    pub cipher: CipherArg,
    /// A signed message a recipient sent (repeat for several): its signature is verified
    /// and the signer's SMIMECapabilities tell `--cipher auto` what the recipient with the
    /// same certificate, or the same address, reads.
    #[arg(long, value_name = "SIGNED.eml")]
    pub capabilities: Vec<PathBuf>,
    /// RSA key transport.
    #[arg(long, value_enum, default_value = "oaep")]
    pub key_transport: KeyTransportArg,
    /// Trust anchors (PEM/DER files or directories): when given, every recipient certificate
    /// must validate for encryption now (RFC 5280 path, RFC 8550 key usage) or is refused.
    #[arg(long, value_name = "CA")]
    pub trust: Vec<PathBuf>,
    /// Intermediate certificates for validating the recipients (with --trust).
    #[arg(long, value_name = "FILE", requires = "trust")]
    pub untrusted: Vec<PathBuf>,
    /// Revocation checking of the recipients' paths (with --trust; default: off).
    #[command(flatten)]
    pub revocation: RevocationArgs,
}

/// `smime encrypt`.
#[derive(Args, Debug)]
#[command(mut_arg("to", |arg| arg.required(true)))]
pub struct EncryptArgs {
    /// Recipients, cipher and key transport.
    #[command(flatten)]
    pub recipients: RecipientArgs,
    /// How recipients are named.
    #[arg(long, value_enum, default_value = "issuer-serial")]
    pub recipient_id: RecipientIdArg,
    /// Input and output.
    #[command(flatten)]
    pub io: InOut,
}

/// `smime decrypt`.
#[derive(Args, Debug)]
#[command(group(
    clap::ArgGroup::new("identity")
        .multiple(true)
        .args(["key", "p12", "kek_file"])
))]
pub struct DecryptArgs {
    /// Decrypt with the keys of this address in the store, trying every key it ever had
    /// (default, when no --key, --p12 or --kek-file is given: the acting principal's own
    /// address, else the message's To and Cc addresses that have keys in the store).
    #[arg(long = "for", value_name = "ADDR", conflicts_with = "identity")]
    pub for_address: Option<String>,
    /// The recipient certificate (finds the RecipientInfo that names it).
    #[arg(long, value_name = "CERT", requires = "key")]
    pub cert: Option<PathBuf>,
    /// The recipient's private key (PEM or DER): RSA (PKCS#8 or PKCS#1; 2048 bits or more,
    /// 1024-2047 only with --allow-legacy), EC P-256/P-384 (PKCS#8 or SEC1), X25519
    /// (PKCS#8) or X9.42 DH (PKCS#8, only with --allow-legacy). Without --cert it is tried
    /// against every RecipientInfo of its kind.
    #[arg(long, value_name = "KEY", conflicts_with = "p12")]
    pub key: Option<PathBuf>,
    /// PKCS#12 file holding the recipient certificate and key.
    #[arg(long, value_name = "FILE", conflicts_with = "cert")]
    pub p12: Option<PathBuf>,
    /// File whose first line is the PKCS#12 password (none: empty password).
    #[arg(long, value_name = "FILE", requires = "p12")]
    pub password_file: Option<PathBuf>,
    /// When no RecipientInfo names the certificate, try the key against every
    /// RecipientInfo of its kind.
    #[arg(long)]
    pub try_all_recipients: bool,
    /// A previously distributed AES key-encryption key (KEKRecipientInfo, RFC 5652 6.2.3):
    /// a file holding the 16, 24 or 32 key bytes (AES-128, AES-192 or AES-256 key wrap), raw
    /// or as hex.
    #[arg(long, value_name = "FILE", requires = "kek_id", conflicts_with_all = ["key", "p12"])]
    pub kek_file: Option<PathBuf>,
    /// The key identifier (hex) of the --kek-file key, as the message names it.
    #[arg(long, value_name = "HEX", requires = "kek_file")]
    pub kek_id: Option<String>,
    /// Accept legacy algorithms for reading old mail: 3DES and RC2 content, RSA keys of
    /// 1024-2047 bits, X9.42 Diffie-Hellman keys (ESDH), the 3DES and RC2 key wraps.
    #[arg(long)]
    pub allow_legacy: bool,
    /// Print the report as JSON on standard error.
    #[arg(long)]
    pub json: bool,
    /// Input and output.
    #[command(flatten)]
    pub io: InOut,
}

/// `smime protect`.
#[derive(Args, Debug)]
#[command(mut_arg("to", |arg| arg.help(
    "Recipient certificate; repeat for several. Without any, the message is only signed \
     (header protection hp=\"clear\")"
)))]
pub struct ProtectArgs {
    /// Signer certificate (PEM or DER).
    #[arg(long, value_name = "CERT")]
    pub cert: PathBuf,
    /// Signer private key (PEM or DER; PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// Certificates to include for the chain (PEM may hold several).
    #[arg(long, value_name = "FILE")]
    pub chain: Vec<PathBuf>,
    /// Recipients, cipher and key transport. Without any --to, the message is only signed.
    #[command(flatten)]
    pub recipients: RecipientArgs,
    /// Compress the signed message before encrypting it (RFC 3274).
    #[arg(long)]
    pub compress: bool,
    /// Sign the encrypted message again: sign, encrypt, sign (RFC 2634 triple wrapping).
    #[arg(long)]
    pub triple_wrap: bool,
    /// Keep the real Subject on the outside of an encrypted message instead of "[...]".
    #[arg(long)]
    pub keep_subject: bool,
    /// Opaque inner signature (application/pkcs7-mime; smime-type=signed-data).
    #[arg(long)]
    pub opaque: bool,
    /// Digest algorithm.
    #[arg(long, value_enum, default_value = "auto")]
    pub digest: DigestArg,
    /// Input and output.
    #[command(flatten)]
    pub io: InOut,
}

/// `smime open`.
#[derive(Args, Debug)]
pub struct OpenArgs {
    /// A recipient certificate (finds the RecipientInfo); repeat with --key for several.
    #[arg(long, value_name = "CERT")]
    pub cert: Vec<PathBuf>,
    /// The recipient's private key, in the order of --cert.
    #[arg(long, value_name = "KEY")]
    pub key: Vec<PathBuf>,
    /// Trust anchors for the signatures (PEM/DER files or directories).
    #[arg(long, value_name = "CA")]
    pub trust: Vec<PathBuf>,
    /// Accept legacy algorithms for reading old mail: SHA-1, RSA keys from 1024 bits, 3DES, RC2.
    #[arg(long)]
    pub allow_legacy: bool,
    /// The most bytes a compressed layer may expand to (K, M, G or T suffix, powers of 1024).
    #[arg(long, value_name = "BYTES", default_value = "1G", value_parser = parse_size)]
    pub max_size: u64,
    /// Print the report as JSON (stable, documented in the README) on standard error.
    #[arg(long)]
    pub json: bool,
    /// Input and output.
    #[command(flatten)]
    pub io: InOut,
}

/// `smime compress`.
#[derive(Args, Debug)]
pub struct CompressArgs {
    /// Input and output.
    #[command(flatten)]
    pub io: InOut,
}

/// `smime decompress`.
#[derive(Args, Debug)]
pub struct DecompressArgs {
    /// The most decompressed bytes accepted: a number with an optional K, M, G or T suffix
    /// (powers of 1024, e.g. 10M). Past it decompression fails and no output is written.
    #[arg(long, value_name = "BYTES", default_value = "1G", value_parser = parse_size)]
    pub max_size: u64,
    /// Print the report as JSON on standard error.
    #[arg(long)]
    pub json: bool,
    /// Input and output.
    #[command(flatten)]
    pub io: InOut,
}

/// A size in bytes: digits with an optional K, M, G or T suffix (powers of 1024; `KiB`,
/// `MB` and the like are read the same way).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits_end = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (digits, suffix) = trimmed.split_at(digits_end);
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size (e.g. 1048576, 512K, 10M, 1G)"))?;
    let shift = match suffix.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => {
            return Err(format!(
                "`{text}` has an unknown unit `{suffix}` (use K, M, G or T)"
            ))
        }
    };
    number
        .checked_mul(1u64 << shift)
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn parse_size_suffixes_are_powers_of_1024() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert_eq!(parse_size("10M"), Ok(10 << 20));
        assert_eq!(parse_size("10MiB"), Ok(10 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert_eq!(parse_size("2T"), Ok(2 << 40));
    }

    #[test]
    fn parse_size_garbage_is_error() {
        for bad in [
            "",
            "M",
            "10X",
            "-1",
            "1.5G",
            "99999999999999999999",
            "20000000T",
        ] {
            assert!(parse_size(bad).is_err(), "{bad} accepted");
        }
    }
}

/// `smime lifecycle ...`.
#[derive(Subcommand, Debug)]
pub enum LifecycleCommand {
    /// Renew every certificate of ours due within the window (a new key for each; the old
    /// keys stay in the store's key history) and send expiry notices for certificates our CA
    /// cannot renew. Idempotent, and safe to run on several nodes at once: what cron or a
    /// systemd timer calls.
    #[command(
        after_help = "Examples:\n  smime lifecycle run\n  smime lifecycle run --window 45 --notify-smtp localhost:25 --notify-to pki@example.org --json\n\nExit codes: 0 done (also when nothing was due); 1 a renewal or the notice mail failed (the\nsummary names it); 2 usage or store error."
    )]
    Run(LifecycleRunArgs),
    /// The inventory: every certificate in the store by owner, issuer, profile, usage and
    /// status (valid, expiring, expired, revoked), the shadow certificates, with counts.
    #[command(after_help = "Examples:\n  smime lifecycle report\n  smime lifecycle report --json")]
    Report(LifecycleReportArgs),
}

/// What both lifecycle commands take.
#[derive(Args, Debug)]
pub struct LifecycleArgs {
    /// The window in days: certificates that expire within it are `expiring`, and ours
    /// are renewed by `run`.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub window: i64,
    /// Act as if it were this time (RFC 3339; for tests).
    #[arg(long, value_name = "TIME", hide = true)]
    pub at: Option<String>,
    /// The output as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `smime lifecycle run`.
#[derive(Args, Debug)]
pub struct LifecycleRunArgs {
    #[command(flatten)]
    pub common: LifecycleArgs,
    /// Mail expiry notices through this SMTP relay (HOST:PORT, no authentication).
    #[arg(long, value_name = "HOST:PORT", requires = "notify_to")]
    pub notify_smtp: Option<String>,
    /// The recipient of the expiry notices.
    #[arg(long, value_name = "ADDR", requires = "notify_smtp")]
    pub notify_to: Option<String>,
    /// The sender of the expiry notices.
    #[arg(long, value_name = "ADDR", default_value = "smime-lifecycle@localhost")]
    pub notify_from: String,
    /// Wait at most this many seconds for another run to finish.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub lock_wait: u64,
    /// Our issuing CA's certificate, to renew with (until `smime ca init` keeps it in the
    /// store); without it due certificates are reported, not renewed.
    #[arg(long, value_name = "F", requires = "ca_key")]
    pub ca_cert: Option<PathBuf>,
    /// The issuing CA's private key.
    #[arg(long, value_name = "F", requires = "ca_cert")]
    pub ca_key: Option<PathBuf>,
    /// The certificates above the issuing CA (intermediates, root), stored with new keys.
    #[arg(long, value_name = "F")]
    pub ca_chain: Vec<PathBuf>,
    /// The base URL of the CA's CRLs, certificates and OCSP (default http://pki.<first domain>).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

/// `smime lifecycle report`.
#[derive(Args, Debug)]
pub struct LifecycleReportArgs {
    #[command(flatten)]
    pub common: LifecycleArgs,
}
