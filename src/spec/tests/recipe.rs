//! The rootfs recipe's annotation encoding, used by both the engine and the runtime.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::spec::recipe::{DRIVER_KEY, LOWERDIRS_KEY, UPPERDIR_KEY, WORKDIR_KEY};
use crate::spec::{RootfsDriver, RootfsRecipe};

use super::err_text;

fn overlay() -> RootfsRecipe {
    RootfsRecipe {
        driver: RootfsDriver::FuseOverlayfs,
        lowerdirs: vec!["/s/layers/top/diff".into(), "/s/layers/base/diff".into()],
        upperdir: Some("/s/c/1/upper".into()),
        workdir: Some("/s/c/1/work".into()),
    }
}

fn to_map(recipe: &RootfsRecipe) -> HashMap<String, String> {
    recipe.to_annotations().unwrap().into_iter().collect()
}

#[test]
fn overlay_and_vfs_round_trip() {
    let map = to_map(&overlay());
    assert_eq!(map[DRIVER_KEY], "fuse-overlayfs");
    assert_eq!(map[LOWERDIRS_KEY], "/s/layers/top/diff:/s/layers/base/diff");
    assert_eq!(map[UPPERDIR_KEY], "/s/c/1/upper");
    assert_eq!(map[WORKDIR_KEY], "/s/c/1/work");
    assert_eq!(RootfsRecipe::from_annotations(&map).unwrap(), overlay());

    let vfs = to_map(&RootfsRecipe::vfs());
    assert_eq!(vfs.len(), 1);
    assert_eq!(
        RootfsRecipe::from_annotations(&vfs).unwrap(),
        RootfsRecipe::vfs()
    );
}

#[test]
fn inconsistent_recipes_are_refused_on_both_ends() {
    let mut colon = overlay();
    colon.lowerdirs[0] = PathBuf::from("/odd:dir");
    assert!(err_text(colon.to_annotations()).contains("contains ':' or ','"));
    let mut relative = overlay();
    relative.upperdir = Some("upper".into());
    assert!(err_text(relative.to_annotations()).contains("not absolute"));
    let mut no_work = overlay();
    no_work.workdir = None;
    assert!(err_text(no_work.to_annotations()).contains("upper and a work directory"));
    let mut vfs_with_layers = RootfsRecipe::vfs();
    vfs_with_layers.lowerdirs.push("/x".into());
    assert!(vfs_with_layers.validate().is_err());

    let mut map = to_map(&overlay());
    map.remove(LOWERDIRS_KEY);
    assert!(err_text(RootfsRecipe::from_annotations(&map)).contains("recreate the container"));
    map.insert(DRIVER_KEY.into(), "btrfs".into());
    assert!(err_text(RootfsRecipe::from_annotations(&map)).contains("unknown driver"));
    assert!(err_text(RootfsRecipe::from_annotations(&HashMap::new())).contains("is missing"));
}
