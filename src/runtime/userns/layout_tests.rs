//! The keep-id and auto layouts, and container maps seen from the storage namespace.

use super::{IdMappings, IdRange};

fn range(container: u32, host: u32, size: u32) -> IdRange {
    IdRange {
        container,
        host,
        size,
    }
}

/// enginetest's layout on the test machine: uid 1001, 100000:65536.
fn storage() -> IdMappings {
    IdMappings::rootless(1001, 1001, &[(100000, 65536)], &[(100000, 65536)]).unwrap()
}

#[test]
fn keep_id_puts_the_user_at_its_own_id_between_the_subordinate_ids() {
    let keep = storage().keep_id((1001, 1001)).unwrap();
    let expected = [
        range(0, 100000, 1001),
        range(1001, 1001, 1),
        range(1002, 101001, 64535),
    ];
    assert_eq!(keep.uids, expected);
    assert_eq!(keep.gids, expected);
    // As podman shows it from inside (its parent namespace is the storage one).
    assert_eq!(
        keep.relative_to(&storage()).unwrap().uids,
        [
            range(0, 1, 1001),
            range(1001, 0, 1),
            range(1002, 1002, 64535)
        ]
    );
}

#[test]
fn keep_id_with_other_ids_and_split_subordinate_ranges() {
    let split =
        IdMappings::rootless(1000, 1000, &[(100000, 10), (200000, 10)], &[(5, 30)]).unwrap();
    let keep = split.keep_id((15, 3)).unwrap();
    assert_eq!(
        keep.uids,
        [
            range(0, 100000, 10),
            range(10, 200000, 5),
            range(15, 1000, 1),
            range(16, 200005, 5),
        ]
    );
    assert_eq!(
        keep.gids,
        [range(0, 5, 3), range(3, 1000, 1), range(4, 8, 27)]
    );
    assert_eq!(keep.host_uid(15), Some(1000));
    assert_eq!(keep.host_uid(20), Some(200009));
    assert_eq!(keep.host_uid(21), None);
    // The user at the very top: nothing after it.
    assert_eq!(
        split.keep_id((20, 30)).unwrap().uids.last(),
        Some(&range(20, 1000, 1))
    );
}

#[test]
fn keep_id_beyond_the_subordinate_ids_is_refused() {
    let err = storage().keep_id((70000, 1001)).unwrap_err().to_string();
    assert!(
        err.contains("UID 70000 needs 70000 subordinate UIDs"),
        "{err}"
    );
    assert!(err.contains("/etc/subuid has 65536"), "{err}");
    let single = IdMappings::single(1001, 1001);
    assert!(single.keep_id((1001, 1001)).is_err());
    assert_eq!(single.keep_id((0, 0)).unwrap(), single);
}

#[test]
fn auto_takes_a_window_of_the_subordinate_ids() {
    let auto = storage().auto(0, 1024).unwrap();
    assert_eq!(auto.uids, [range(0, 100000, 1024)]);
    let later = storage().auto(1024, 2000).unwrap();
    assert_eq!(later.gids, [range(0, 101024, 2000)]);
    assert_eq!(
        later.relative_to(&storage()).unwrap().uids,
        [range(0, 1025, 2000)]
    );
    let split = IdMappings::rootless(7, 7, &[(100, 10), (500, 10)], &[(100, 20)]).unwrap();
    assert_eq!(
        split.auto(5, 10).unwrap().uids,
        [range(0, 105, 5), range(5, 500, 5)]
    );
    assert_eq!(split.subordinate_count(), 20);
    assert!(split.auto(15, 6).is_err(), "past the end");
    assert!(split.auto(0, 0).is_err(), "empty");
}

#[test]
fn relative_maps_follow_the_storage_ranges_and_reject_foreign_ids() {
    let split = IdMappings::rootless(7, 7, &[(100, 10), (500, 10)], &[(100, 20)]).unwrap();
    let auto = split.auto(5, 10).unwrap();
    assert_eq!(
        auto.relative_to(&split).unwrap().uids,
        [range(0, 6, 5), range(5, 11, 5)]
    );
    let foreign = IdMappings::single(4242, 4242);
    let err = foreign.relative_to(&split).unwrap_err().to_string();
    assert!(err.contains("host UID 4242"), "{err}");
}
