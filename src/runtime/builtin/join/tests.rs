//! Which process `exec` and `cp` join, from a container's record.

use std::process::Command;

use serde_json::json;

use super::Running;
use crate::store::{ContainerRecord, ContainerStatus};
use crate::util::proc::ProcessRef;

/// A record whose monitor and waiter are this test process, as if it ran the container.
fn record(
    status: ContainerStatus,
    runtime: Option<&str>,
    init_pid: Option<u32>,
) -> ContainerRecord {
    let mut record: ContainerRecord = serde_json::from_value(json!({
        "id": "a".repeat(64), "name": "web", "image_id": "", "image_name": "busybox",
        "command": ["sleep"], "created": "2026-01-01T00:00:00Z", "labels": {}, "layers": [],
        "rootfs_driver": "overlay", "status": status,
    }))
    .expect("a valid record");
    record.monitor = Some(ProcessRef::current());
    record.waiter = Some(ProcessRef::current());
    record.settings.runtime = runtime.map(Into::into);
    record.init_pid = init_pid;
    record
}

#[test]
fn a_container_that_does_not_run_has_nothing_to_join() {
    let created = record(ContainerStatus::Created, Some("/usr/bin/crun"), None);
    assert!(Running::of(&created).expect("no error").is_none());
}

#[test]
fn the_builtin_runtime_is_joined_through_its_waiter() {
    let running = Running::of(&record(ContainerStatus::Running, None, Some(1)))
        .expect("no error")
        .expect("it runs");
    assert_eq!(running.external_init, None);
    assert_eq!(running.holder(), ProcessRef::current());
}

#[test]
fn an_external_runtime_is_joined_through_its_pid_1() {
    let mut init = Command::new("sleep").arg("5").spawn().expect("spawn sleep");
    let record = record(
        ContainerStatus::Running,
        Some("/usr/bin/crun"),
        Some(init.id()),
    );
    let running = Running::of(&record);
    let _ = init.kill();
    let _ = init.wait();
    let running = running.expect("no error").expect("it runs");
    assert_eq!(running.holder().pid, init.id());
    assert_eq!(running.waiter, ProcessRef::current());
}

#[test]
fn an_external_runtime_without_a_known_pid_1_is_an_error() {
    let record = record(ContainerStatus::Running, Some("/usr/bin/runc"), None);
    let err = Running::of(&record).expect_err("PID 1 is unknown");
    let message = format!("{err:#}");
    assert!(message.contains("/usr/bin/runc"), "{message}");
    assert!(message.contains("engine restart web"), "{message}");
}
