//! Certificate lifecycle (issue 6, items 4 and 6): the inventory of the store
//! ([`inventory`], `smime lifecycle report`) and expiry notices by SMTP ([`notify`]) for
//! certificates our CA cannot renew.

pub mod inventory;
pub mod notify;
