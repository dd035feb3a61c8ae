//! One module per command.

pub mod inspect;
pub mod sign;
pub mod verify;
