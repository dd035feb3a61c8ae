//! One module per command.

pub mod decrypt;
pub mod encrypt;
pub mod inspect;
pub mod sign;
pub mod verify;
