//! Certificate lifecycle (issue 6, items 4 and 6): the inventory of the store
//! ([`inventory`], `smime lifecycle report`) and expiry notices by SMTP ([`notify`]) for
//! certificates our CA cannot renew, and renewal ([`renewal`], `smime lifecycle run`).

pub mod inventory;
pub mod notify;
pub mod renewal;
pub mod renewal_ca;
pub mod store_backend;
