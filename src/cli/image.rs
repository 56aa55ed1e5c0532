//! Image commands: pull, images, rmi, tag, inspect, prune.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::{Value, json};

use super::format::{self, Column, OutputFormat};
use super::pulling::{PullFlags, ensure};
use super::{Session, humanize};
use crate::image::reference::{self, ParsedReference};
use crate::store::{ImageRecord, Store};

#[derive(Args, Debug)]
pub struct PullArgs {
    /// Image to pull: NAME[:TAG|@DIGEST], a short name is resolved through registries.conf
    #[arg(value_name = "IMAGE")]
    pub image: String,
    /// Print only the image ID
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub registry: PullFlags,
    /// Path of the signature policy file (default: policy.json from the user's or system config)
    #[arg(long, value_name = "FILE")]
    pub signature_policy: Option<PathBuf>,
    /// When to contact the registry: always, missing, never or newer
    #[arg(long, default_value = "always")]
    pub policy: String,
}

#[derive(Args, Debug)]
pub struct ImagesArgs {
    /// Show only images whose name matches (same as --filter reference=PATTERN)
    #[arg(value_name = "REPOSITORY")]
    pub repository: Option<String>,
    /// Show all images (intermediate ones included)
    #[arg(short, long)]
    pub all: bool,
    /// Print only image IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Show the digests
    #[arg(long)]
    pub digests: bool,
    /// Do not truncate IDs
    #[arg(long)]
    pub no_trunc: bool,
    /// Do not print the header
    #[arg(short = 'n', long)]
    pub noheading: bool,
    /// Filter output: reference=PATTERN, dangling=true|false, before=IMAGE, since=IMAGE
    #[arg(short, long, value_name = "FILTER")]
    pub filter: Vec<String>,
    /// Output format: table, json, or a Go template such as '{{.ID}} {{.Repository}}'
    #[arg(long)]
    pub format: Option<String>,
}

#[derive(Args, Debug)]
pub struct RmiArgs {
    /// Images to remove, by name, ID or digest
    #[arg(value_name = "IMAGE", add = super::complete::images())]
    pub images: Vec<String>,
    /// Remove all images
    #[arg(short, long)]
    pub all: bool,
    /// Remove an image even when it has several names
    #[arg(short, long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct TagArgs {
    /// The local image to name
    #[arg(value_name = "IMAGE", add = super::complete::images())]
    pub image: String,
    /// New names for the image
    #[arg(value_name = "TARGET_NAME", required = true)]
    pub targets: Vec<String>,
}

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// Images to inspect, by name, ID or digest
    #[arg(value_name = "IMAGE", required = true, add = super::complete::images())]
    pub images: Vec<String>,
    /// Format the output with a Go template, or json
    #[arg(short, long)]
    pub format: Option<String>,
}

#[derive(Args, Debug)]
pub struct PruneArgs {
    /// Remove all images not used by containers, not only dangling ones
    #[arg(short, long)]
    pub all: bool,
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub force: bool,
}

pub fn pull(session: &Session, args: PullArgs) -> Result<()> {
    let store = session.open_store()?;
    let image = ensure(
        session,
        &store,
        &args.image,
        &args.policy,
        &args.registry,
        args.signature_policy.clone(),
        args.quiet,
    )?;
    println!("{}", image.id);
    Ok(())
}

const IMAGE_COLUMNS: &[Column] = &[
    Column {
        header: "REPOSITORY",
        field: "Repository",
    },
    Column {
        header: "TAG",
        field: "Tag",
    },
    Column {
        header: "DIGEST",
        field: "Digest",
    },
    Column {
        header: "IMAGE ID",
        field: "ID",
    },
    Column {
        header: "CREATED",
        field: "Created",
    },
    Column {
        header: "SIZE",
        field: "Size",
    },
];

/// The default table's columns; DIGEST only with `--digests`.
fn image_columns(digests: bool) -> Vec<Column> {
    IMAGE_COLUMNS
        .iter()
        .filter(|c| digests || c.field != "Digest")
        .cloned()
        .collect()
}

pub fn images(session: &Session, args: ImagesArgs) -> Result<()> {
    let store = session.open_store()?;
    let mut filters = args.filter.clone();
    if let Some(repo) = &args.repository {
        filters.push(format!("reference={repo}"));
    }
    let all = store.images()?;
    let filter = ImageFilter::parse(&filters, &all)?;
    let images: Vec<&ImageRecord> = all.iter().filter(|i| filter.matches(i)).collect();
    let mut out = std::io::stdout().lock();
    if args.quiet {
        let mut seen = std::collections::HashSet::new();
        for image in images {
            if seen.insert(&image.id) {
                writeln!(
                    out,
                    "{}",
                    if args.no_trunc {
                        format!("sha256:{}", image.id)
                    } else {
                        image.id[..12].to_string()
                    }
                )?;
            }
        }
        return Ok(());
    }
    let fmt = format::parse_format(args.format.as_deref());
    if let OutputFormat::Json = fmt {
        let values: Vec<Value> = images.iter().map(|i| image_summary_json(i)).collect();
        return format::render(&values, &[], &fmt, &mut out);
    }
    let now = Utc::now();
    let rows: Vec<Value> = images
        .iter()
        .flat_map(|i| image_rows(i, args.no_trunc, now))
        .collect();
    let columns = image_columns(args.digests);
    format::render_with(&rows, &columns, &fmt, !args.noheading, &mut out)
}

/// One table row per name, as docker and podman list images.
fn image_rows(image: &ImageRecord, no_trunc: bool, now: DateTime<Utc>) -> Vec<Value> {
    let id = if no_trunc {
        format!("sha256:{}", image.id)
    } else {
        image.id[..12].to_string()
    };
    let created = created_time(image);
    let base = json!({
        "ID": id,
        "Id": image.id,
        "Digest": image.manifest_digest.to_string(),
        "Created": created.map(|t| humanize::time_ago(t, now)).unwrap_or_default(),
        "CreatedAt": created.map(|t| t.to_string()).unwrap_or_default(),
        "Size": humanize::size(image.size),
        "VirtualSize": humanize::size(image.size),
        "Names": image.names,
    });
    let names: Vec<(String, String)> = if image.names.is_empty() {
        vec![("<none>".into(), "<none>".into())]
    } else {
        image.names.iter().map(|n| split_tag(n)).collect()
    };
    names
        .into_iter()
        .map(|(repo, tag)| {
            let mut row = base.clone();
            row["Repository"] = json!(repo);
            row["Tag"] = json!(tag);
            row
        })
        .collect()
}

/// `host/repo:tag` -> (`host/repo`, `tag`); the colon of a port is not a tag separator.
fn split_tag(name: &str) -> (String, String) {
    match name.rfind(':') {
        Some(i) if !name[i..].contains('/') => (name[..i].to_string(), name[i + 1..].to_string()),
        _ => (name.to_string(), "<none>".to_string()),
    }
}

fn created_time(image: &ImageRecord) -> Option<DateTime<Utc>> {
    image
        .created
        .as_deref()
        .and_then(|c| DateTime::parse_from_rfc3339(c).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// podman's `images --format json` object.
fn image_summary_json(image: &ImageRecord) -> Value {
    let created = created_time(image);
    json!({
        "Id": image.id,
        "ParentId": "",
        "RepoTags": image.names,
        "RepoDigests": image.digests,
        "Size": image.size,
        "SharedSize": 0,
        "VirtualSize": image.size,
        "Labels": Value::Null,
        "Containers": 0,
        "Names": image.names,
        "Digest": image.manifest_digest.to_string(),
        "Created": created.map(|t| t.timestamp()).unwrap_or(0),
        "CreatedAt": created.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).unwrap_or_default(),
        "Dangling": image.names.is_empty(),
        "Arch": image.architecture,
        "Os": image.os,
    })
}

/// `--filter` for images.
struct ImageFilter {
    references: Vec<String>,
    dangling: Option<bool>,
    before: Option<DateTime<Utc>>,
    since: Option<DateTime<Utc>>,
}

impl ImageFilter {
    fn parse(filters: &[String], all: &[ImageRecord]) -> Result<ImageFilter> {
        let mut f = ImageFilter {
            references: vec![],
            dangling: None,
            before: None,
            since: None,
        };
        let time_of = |query: &str| -> Result<DateTime<Utc>> {
            let image = all
                .iter()
                .find(|i| {
                    i.names
                        .iter()
                        .any(|n| n == query || split_tag(n).0 == query)
                        || i.id.starts_with(query)
                })
                .ok_or_else(|| anyhow!("filter image {query:?} is not in the local store"))?;
            created_time(image).ok_or_else(|| anyhow!("image {query:?} has no creation time"))
        };
        for filter in filters {
            let (key, value) = filter.split_once('=').ok_or_else(|| {
                anyhow!("invalid filter {filter:?}: use KEY=VALUE, e.g. reference=busybox")
            })?;
            match key {
                "reference" => f.references.push(value.to_string()),
                "dangling" => {
                    f.dangling = Some(value.parse().map_err(|_| {
                        anyhow!("invalid filter {filter:?}: dangling takes true or false")
                    })?)
                }
                "before" => f.before = Some(time_of(value)?),
                "since" => f.since = Some(time_of(value)?),
                other => bail!(
                    "invalid filter key {other:?}: images accepts reference, dangling, before and since"
                ),
            }
        }
        Ok(f)
    }

    fn matches(&self, image: &ImageRecord) -> bool {
        if let Some(d) = self.dangling
            && d != image.names.is_empty()
        {
            return false;
        }
        let created = created_time(image);
        if let (Some(limit), Some(t)) = (self.before, created)
            && t >= limit
        {
            return false;
        }
        if let (Some(limit), Some(t)) = (self.since, created)
            && t <= limit
        {
            return false;
        }
        self.references.is_empty()
            || self.references.iter().any(|pattern| {
                image
                    .names
                    .iter()
                    .any(|name| reference_matches(pattern, name))
            })
    }
}

/// podman's reference filter: a glob against the full name, the name without tag, or the
/// familiar form (repository path without the registry).
fn reference_matches(pattern: &str, name: &str) -> bool {
    let (repo, tag) = split_tag(name);
    let path = repo.split_once('/').map(|(_, p)| p).unwrap_or(&repo);
    let familiar = path.strip_prefix("library/").unwrap_or(path);
    let candidates = [
        name.to_string(),
        repo.clone(),
        format!("{path}:{tag}"),
        path.to_string(),
        format!("{familiar}:{tag}"),
        familiar.to_string(),
    ];
    candidates.iter().any(|c| glob_match(pattern, c))
}

/// `*` and `?` wildcards, like Go's path.Match for names without '/' classes.
fn glob_match(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], t) || (!t.is_empty() && go(p, &t[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &t[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

pub fn rmi(session: &Session, args: RmiArgs) -> Result<()> {
    let store = session.open_store()?;
    if args.all != args.images.is_empty() {
        bail!("give either image names or --all to rmi");
    }
    let queries: Vec<String> = if args.all {
        store.images()?.into_iter().map(|i| i.id).collect()
    } else {
        args.images.clone()
    };
    let mut failures = Vec::new();
    let mut out = std::io::stdout().lock();
    for query in &queries {
        match remove_one(&store, query, args.force || args.all) {
            Ok(lines) => {
                for line in lines {
                    writeln!(out, "{line}")?;
                }
            }
            Err(e) => failures.push(format!("{e:#}")),
        }
    }
    match failures.len() {
        0 => Ok(()),
        _ => bail!("{}", failures.join("; ")),
    }
}

/// Removes the name the user gave when the image has other names too, else the image itself.
fn remove_one(store: &Store, query: &str, force: bool) -> Result<Vec<String>> {
    let image = store.find_image(query)?.ok_or_else(|| {
        anyhow!("image {query:?} is not in the local store (see `engine images`)")
    })?;
    let by_name = matching_name(&image, query);
    if let Some(name) = &by_name
        && image.names.len() > 1
    {
        store.untag(name)?;
        return Ok(vec![format!("Untagged: {name}")]);
    }
    if by_name.is_none() && image.names.len() > 1 && !force {
        bail!(
            "image {query} has several names ({}); remove them one by one or use --force",
            image.names.join(", ")
        );
    }
    let removed = store.remove_image(&image.id)?;
    // Like podman, report tags only; repo@digest references go silently with the image.
    let mut lines: Vec<String> = removed
        .untagged
        .iter()
        .filter(|n| !n.contains('@'))
        .map(|n| format!("Untagged: {n}"))
        .collect();
    lines.push(format!("Deleted: {}", removed.id));
    Ok(lines)
}

/// The stored name `query` designates, if it is a name rather than an ID or digest.
fn matching_name(image: &ImageRecord, query: &str) -> Option<String> {
    if image.names.iter().any(|n| n == query) {
        return Some(query.to_string());
    }
    let normalized = match reference::parse(query).ok()? {
        ParsedReference::Qualified(r) => r.to_string(),
        ParsedReference::Short { .. } => {
            return image
                .names
                .iter()
                .find(|n| reference_matches(query, n) && !query.contains('*'))
                .cloned();
        }
    };
    image.names.iter().find(|n| **n == normalized).cloned()
}

pub fn tag(session: &Session, args: TagArgs) -> Result<()> {
    let store = session.open_store()?;
    let image = store.find_image(&args.image)?.ok_or_else(|| {
        anyhow!(
            "image {:?} is not in the local store (see `engine images`)",
            args.image
        )
    })?;
    for target in &args.targets {
        let name = match reference::parse(target)? {
            ParsedReference::Qualified(r) if r.digest.is_none() => r.to_string(),
            ParsedReference::Short {
                path,
                tag,
                digest: None,
            } => {
                // podman names unqualified tags in the local "registry" localhost.
                format!(
                    "localhost/{path}:{}",
                    tag.unwrap_or_else(|| "latest".into())
                )
            }
            _ => bail!("cannot tag with {target:?}: a tag must not contain a digest"),
        };
        store.tag(&image.id, &name)?;
    }
    Ok(())
}

pub fn inspect(session: &Session, args: InspectArgs) -> Result<()> {
    let store = session.open_store()?;
    let mut values = Vec::new();
    let mut missing = Vec::new();
    for query in &args.images {
        match store.find_image(query)? {
            Some(image) => values.push(inspect_json(&store, &image)?),
            None => missing.push(query.clone()),
        }
    }
    let mut out = std::io::stdout().lock();
    let template = args.format.as_deref().filter(|f| *f != "json");
    format::render_inspect(&values, template, &mut out)?;
    if !missing.is_empty() {
        bail!("no such image: {}", missing.join(", "));
    }
    Ok(())
}

/// podman's `image inspect` object.
pub(super) fn inspect_json(store: &Store, image: &ImageRecord) -> Result<Value> {
    let config_bytes = store.read_blob(&image.config_digest)?;
    let config: Value = serde_json::from_slice(&config_bytes).with_context(|| {
        format!(
            "image config {} in the store is not JSON; run `engine rmi {}` and pull again",
            image.config_digest,
            &image.id[..12]
        )
    })?;
    let inner = config.get("config").cloned().unwrap_or(json!({}));
    Ok(json!({
        "Id": image.id,
        "Digest": image.manifest_digest.to_string(),
        "RepoTags": image.names,
        "RepoDigests": image.digests,
        "Parent": "",
        "Comment": config.get("comment").cloned().unwrap_or(json!("")),
        "Created": image.created,
        "Config": inner,
        "Version": config.get("docker_version").cloned().unwrap_or(json!("")),
        "Author": config.get("author").cloned().unwrap_or(json!("")),
        "Architecture": image.architecture,
        "Os": image.os,
        "Variant": image.variant,
        "Size": image.size,
        "VirtualSize": image.size,
        "Labels": inner.get("Labels").cloned().unwrap_or(Value::Null),
        "Annotations": {},
        "ManifestType": image.manifest_media_type,
        "User": inner.get("User").cloned().unwrap_or(json!("")),
        "History": config.get("history").cloned().unwrap_or(json!([])),
        "RootFS": {
            "Type": "layers",
            "Layers": image.layers.iter().map(|l| l.diff_id.to_string()).collect::<Vec<_>>(),
        },
        "NamesHistory": image.names,
    }))
}

pub fn prune(session: &Session, args: PruneArgs) -> Result<()> {
    let store = session.open_store()?;
    if !args.force {
        let what = if args.all {
            "all images not used by containers"
        } else {
            "all dangling images"
        };
        eprint!("WARNING! This command removes {what}.\nAre you sure you want to continue? [y/N] ");
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Ok(());
        }
    }
    let removed = store.prune_images(args.all)?;
    let mut out = std::io::stdout().lock();
    for id in removed {
        writeln!(out, "{id}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_tag_keeps_ports() {
        assert_eq!(
            split_tag("127.0.0.1:5000/a/b:v1"),
            ("127.0.0.1:5000/a/b".into(), "v1".into())
        );
        assert_eq!(
            split_tag("127.0.0.1:5000/a/b"),
            ("127.0.0.1:5000/a/b".into(), "<none>".into())
        );
    }

    #[test]
    fn reference_filter_forms() {
        let n = "docker.io/library/busybox:latest";
        for p in [
            "busybox",
            "busybox:latest",
            "docker.io/library/busybox",
            "busy*",
            "*/busybox:*",
            n,
        ] {
            assert!(reference_matches(p, n), "{p}");
        }
        for p in ["alpine", "busybox:1", "bus"] {
            assert!(!reference_matches(p, n), "{p}");
        }
    }
}
