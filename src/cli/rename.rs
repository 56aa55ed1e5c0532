//! `rename CONTAINER NEWNAME` (also `container rename`).

use anyhow::Result;
use clap::Args;

use super::Session;
use crate::container::{names, state};

#[derive(Args, Debug)]
pub struct RenameArgs {
    /// The container to rename, by name or ID
    #[arg(value_name = "CONTAINER", add = super::complete::containers())]
    pub container: String,
    /// Its new name: letters, digits, '_', '.' and '-', starting with a letter or digit, unused by other containers
    #[arg(value_name = "NEW_NAME")]
    pub new_name: String,
}

pub fn rename(session: &Session, args: RenameArgs) -> Result<()> {
    let new_name = names::check_name(&args.new_name)?;
    let store = session.open_store()?;
    let record = state::find(&store, &args.container)?;
    store.rename_container(&record.id, &new_name)?;
    Ok(())
}
