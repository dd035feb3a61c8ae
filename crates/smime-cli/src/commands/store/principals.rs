//! `smime store principal add|set-role|remove|list`.

use anyhow::Result;
use serde::Serialize;
use smime_store::roles::Role;

use crate::args::{PrincipalCommand, RoleArg, StoreFlags};
use crate::files::print_stdout;
use crate::store;

fn role(arg: RoleArg) -> Role {
    match arg {
        RoleArg::Admin => Role::Admin,
        RoleArg::KeyOfficer => Role::KeyOfficer,
        RoleArg::Operator => Role::Operator,
        RoleArg::Auditor => Role::Auditor,
        RoleArg::User => Role::User,
    }
}

/// A principal as `list --json` prints it.
#[derive(Serialize)]
struct PrincipalJson {
    name: String,
    role: &'static str,
    address: Option<String>,
    created_at: i64,
}

/// Run a principal command.
pub fn run(command: &PrincipalCommand, flags: &StoreFlags) -> Result<()> {
    let store = store::open(flags)?;
    let actor = store::actor(&store, flags)?;
    match command {
        PrincipalCommand::Add(a) => {
            store.add_principal(&actor, &a.name, role(a.role), a.address.as_deref())?;
            eprintln!("smime: added {} as {}", a.name, role(a.role));
        }
        PrincipalCommand::SetRole(a) => {
            store.set_role(&actor, &a.name, role(a.role), a.address.as_deref())?;
            eprintln!("smime: {} is now {}", a.name, role(a.role));
        }
        PrincipalCommand::Remove { name } => {
            store.remove_principal(&actor, name)?;
            eprintln!("smime: removed {name}");
        }
        PrincipalCommand::List { json } => {
            let principals: Vec<PrincipalJson> = store
                .principals(&actor)?
                .into_iter()
                .map(|p| PrincipalJson {
                    name: p.name,
                    role: p.role.as_str(),
                    address: p.address,
                    created_at: p.created_at,
                })
                .collect();
            if *json {
                return print_stdout(&serde_json::to_string_pretty(&principals)?);
            }
            for p in &principals {
                print_stdout(&format!(
                    "{}  {}{}",
                    p.name,
                    p.role,
                    p.address
                        .as_deref()
                        .map(|a| format!("  {a}"))
                        .unwrap_or_default()
                ))?;
            }
        }
    }
    Ok(())
}
