use serde_json::json;

use super::*;

fn record(name: &str, status: ContainerStatus, created: &str) -> ContainerRecord {
    serde_json::from_value(json!({
        "id": format!("{name:0>64}"), "name": name, "image_id": "", "image_name": format!("img-{name}"),
        "command": [format!("cmd-{name}")], "created": created, "labels": {}, "layers": [],
        "rootfs_driver": "overlay", "status": status, "exit_code": null,
        "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:00:10Z",
    }))
    .unwrap()
}

fn args(extra: &[&str]) -> PsArgs {
    use clap::Parser;
    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        ps: PsArgs,
    }
    let argv = std::iter::once("ps").chain(extra.iter().copied());
    Wrapper::try_parse_from(argv).unwrap().ps
}

fn names(containers: &[ContainerRecord]) -> Vec<&str> {
    containers.iter().map(|c| c.name.as_str()).collect()
}

fn sample() -> Vec<ContainerRecord> {
    vec![
        record("b", ContainerStatus::Running, "2026-01-03T00:00:00Z"),
        record("c", ContainerStatus::Exited, "2026-01-02T00:00:00Z"),
        record("a", ContainerStatus::Created, "2026-01-01T00:00:00Z"),
    ]
}

fn selected(flags: &[&str]) -> Vec<String> {
    let args = args(flags);
    let filter = ContainerFilter::parse(&args.filter).unwrap();
    let mut chosen = select(sample(), &args, &filter);
    sort(&mut chosen, &args.sort, &HashMap::new());
    names(&chosen).into_iter().map(String::from).collect()
}

#[test]
fn running_only_unless_all_last_latest_or_a_status_filter() {
    assert_eq!(selected(&[]), ["b"]);
    assert_eq!(selected(&["-a"]), ["b", "c", "a"]);
    assert_eq!(selected(&["-n", "2"]), ["b", "c"]);
    assert_eq!(selected(&["-l"]), ["b"]);
    assert_eq!(selected(&["--filter", "status=exited"]), ["c"]);
    // A name filter alone keeps the running-only default, as in podman.
    assert_eq!(selected(&["--filter", "name=c"]), Vec::<String>::new());
    assert_eq!(selected(&["-a", "-f", "name=c"]), ["c"]);
    // -n applies after the filter.
    assert_eq!(selected(&["-n", "1", "-f", "status=created"]), ["a"]);
}

#[test]
fn sort_keys() {
    assert_eq!(selected(&["-a", "--sort", "names"]), ["a", "b", "c"]);
    assert_eq!(selected(&["-a", "--sort", "created"]), ["b", "c", "a"]);
    assert_eq!(selected(&["-a", "--sort", "status"]), ["a", "c", "b"]);
    assert_eq!(selected(&["-a", "--sort", "image"]), ["a", "b", "c"]);
    assert_eq!(selected(&["-a", "--sort", "command"]), ["a", "b", "c"]);
    let mut by_size = sample();
    let sizes: HashMap<String, Sizes> = [("a", 30), ("b", 10), ("c", 20)]
        .into_iter()
        .map(|(n, rw)| (format!("{n:0>64}"), Sizes { rw, root_fs: rw }))
        .collect();
    sort(&mut by_size, "size", &sizes);
    assert_eq!(names(&by_size), ["b", "c", "a"]);
}

#[test]
fn status_strings_are_podmans() {
    let now = timefmt::parse(Some("2026-01-01T00:02:10Z")).unwrap();
    let mut r = record("x", ContainerStatus::Created, "2026-01-01T00:00:00Z");
    assert_eq!(status_text(&r, now), "Created");
    r.status = ContainerStatus::Running;
    assert_eq!(status_text(&r, now), "Up 2 minutes");
    r.started_at = Some("2026-01-01T00:02:07Z".into());
    assert_eq!(status_text(&r, now), "Up 3 seconds");
    r.status = ContainerStatus::Exited;
    r.exit_code = Some(0);
    assert_eq!(status_text(&r, now), "Exited (0) 2 minutes ago");
    r.exit_code = Some(137);
    r.finished_at = Some("2026-01-01T00:02:09Z".into());
    assert_eq!(status_text(&r, now), "Exited (137) 1 second ago");
    r.finished_at = None;
    assert_eq!(status_text(&r, now), "Exited (137)");
}
