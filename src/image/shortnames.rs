//! Short-name resolution as in containers-registries.conf(5), "Short-Name Aliasing": which
//! fully qualified references a short name such as `busybox` may mean, and whether to ask.

use crate::config::registries::ShortNameMode;
use crate::image::reference::{DEFAULT_TAG, DOCKER_HUB, ParsedReference, Reference};
use crate::util::digest::Digest;
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};

/// Where a short name may be pulled from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// References to try in order (the first that pulls wins), or to offer when `prompt`.
    pub candidates: Vec<Reference>,
    /// Several registries fit and a terminal is attached: the caller asks the user
    /// ([`prompt_choice`]) and, after a successful pull, records the choice as an alias.
    pub prompt: bool,
    /// The single candidate comes from an `[aliases]` entry (config or alias cache).
    pub from_alias: bool,
}

/// Resolves short name `path` (with the user's tag and/or digest) through `aliases`, then
/// the unqualified-search registries, following `mode`. `tty`: stdin and stdout are terminals.
pub fn resolve(
    path: &str,
    tag: Option<&str>,
    digest: Option<&Digest>,
    aliases: &BTreeMap<String, String>,
    search_registries: &[String],
    mode: ShortNameMode,
    tty: bool,
) -> Result<Resolution> {
    let input = ParsedReference::Short {
        path: path.to_string(),
        tag: tag.map(str::to_string),
        digest: digest.cloned(),
    }
    .to_string();

    // An alias always wins and never prompts; an empty value erases an alias.
    if let Some(target) = aliases.get(path).filter(|target| !target.is_empty()) {
        let repository = Reference::parse_repository_name(target).with_context(|| {
            format!("short-name alias {path:?} in registries.conf [aliases] (or the alias cache) is unusable")
        })?;
        let mut candidate = match tag {
            Some(tag) => repository.with_tag(tag)?,
            None => repository,
        };
        candidate.digest = digest.cloned();
        if candidate.tag.is_none() && candidate.digest.is_none() {
            candidate.tag = Some(DEFAULT_TAG.to_string());
        }
        return Ok(Resolution {
            candidates: vec![candidate],
            prompt: false,
            from_alias: true,
        });
    }

    if search_registries.is_empty() {
        let example = Reference::qualify(DOCKER_HUB, path, tag, digest)
            .map(|r| r.to_string())
            .unwrap_or_else(|_| format!("{DOCKER_HUB}/{path}"));
        bail!(
            "short name {input:?} did not resolve to an alias and no unqualified-search registries are \
             defined in registries.conf; use a fully qualified name (e.g. {example}) or add a registry to \
             unqualified-search-registries"
        );
    }

    let mut candidates: Vec<Reference> = Vec::with_capacity(search_registries.len());
    for registry in search_registries {
        let candidate = Reference::qualify(registry, path, tag, digest).with_context(|| {
            format!("unqualified-search-registries entry {registry:?} in registries.conf cannot qualify {input:?}")
        })?;
        // `docker.io` and `index.docker.io` both listed would otherwise be tried (or offered) twice.
        if !candidates.contains(&candidate) {
            candidates.push(candidate);
        }
    }

    let prompt = match mode {
        _ if candidates.len() == 1 => false,
        ShortNameMode::Disabled => false,
        ShortNameMode::Enforcing | ShortNameMode::Permissive if tty => true,
        ShortNameMode::Permissive => false,
        ShortNameMode::Enforcing => {
            let listed: Vec<String> = candidates.iter().map(Reference::to_string).collect();
            bail!(
                "short name {input:?} is ambiguous: it may mean {}; short-name-mode is \"enforcing\" and \
                 there is no terminal to ask which; use a fully qualified name or add an alias for {path:?} \
                 to [aliases] in registries.conf",
                listed.join(", ")
            )
        }
    };
    Ok(Resolution {
        candidates,
        prompt,
        from_alias: false,
    })
}

/// Asks the user to pick one of `candidates` by number; re-asks on bad input.
pub fn prompt_choice(
    candidates: &[Reference],
    input: &mut impl BufRead,
    output: &mut impl Write,
) -> Result<Reference> {
    if candidates.is_empty() {
        bail!("no images to choose from: short-name resolution found no candidates");
    }
    let count = candidates.len();
    let mut menu = String::from("Please select an image:\n");
    for (number, candidate) in (1..).zip(candidates) {
        menu.push_str(&format!("  {number}) {candidate}\n"));
    }
    output
        .write_all(menu.as_bytes())
        .context("writing the image selection prompt")?;
    loop {
        write!(output, "Enter a number from 1 to {count}: ")
            .and_then(|()| output.flush())
            .context("writing the image selection prompt")?;
        let mut line = Vec::new();
        let read = input
            .read_until(b'\n', &mut line)
            .context("reading the image choice from standard input")?;
        if read == 0 {
            bail!(
                "no choice made: input ended before an image was selected; use a fully qualified image name"
            );
        }
        let answer = String::from_utf8_lossy(&line);
        let answer = answer.trim();
        let chosen = answer
            .parse::<usize>()
            .ok()
            .and_then(|number| number.checked_sub(1))
            .and_then(|index| candidates.get(index));
        match chosen {
            Some(candidate) => return Ok(candidate.clone()),
            None => writeln!(output, "{answer:?} is not a number from 1 to {count}")
                .context("writing the image selection prompt")?,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const SEVERAL: &[&str] = &["registry.fedoraproject.org", "quay.io", "docker.io"];

    /// ShortNameMode need not be Copy: hand out a fresh one per call.
    const MODES: [fn() -> ShortNameMode; 3] = [
        || ShortNameMode::Enforcing,
        || ShortNameMode::Permissive,
        || ShortNameMode::Disabled,
    ];

    fn sha() -> Digest {
        Digest::parse(&format!("sha256:{HEX}")).expect("test digest")
    }

    fn aliases(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// `resolve` with a `latest` tag and the given aliases and search registries.
    fn run(
        path: &str,
        table: &BTreeMap<String, String>,
        search: &[&str],
        mode: ShortNameMode,
        tty: bool,
    ) -> Result<Resolution> {
        let search: Vec<String> = search.iter().map(|r| r.to_string()).collect();
        resolve(path, Some("latest"), None, table, &search, mode, tty)
    }

    fn names(resolution: &Resolution) -> Vec<String> {
        resolution
            .candidates
            .iter()
            .map(Reference::to_string)
            .collect()
    }

    #[test]
    fn alias_wins_in_every_mode_without_prompting() {
        let table = aliases(&[
            ("busybox", "docker.io/library/busybox"),
            ("fedora", "registry.fedoraproject.org/fedora"),
        ]);
        let search: Vec<String> = SEVERAL.iter().map(|r| r.to_string()).collect();
        for mode in MODES {
            for tty in [false, true] {
                let got = resolve("busybox", Some("1.36"), None, &table, &search, mode(), tty)
                    .expect("alias resolves");
                assert_eq!(names(&got), ["docker.io/library/busybox:1.36"]);
                assert!(got.from_alias && !got.prompt);
                // Aliases apply even when no search registry is configured.
                let got = run("fedora", &table, &[], mode(), tty).expect("alias resolves");
                assert_eq!(names(&got), ["registry.fedoraproject.org/fedora:latest"]);
            }
        }
    }

    #[test]
    fn alias_takes_the_users_tag_and_digest() {
        let table = aliases(&[("busybox", "docker.io/busybox")]);
        let digest = sha();
        let resolve_with = |tag, digest: Option<&Digest>| {
            let got = resolve(
                "busybox",
                tag,
                digest,
                &table,
                &[],
                ShortNameMode::Enforcing,
                false,
            );
            names(&got.expect("alias"))
        };
        let pinned = format!("docker.io/library/busybox@sha256:{HEX}");
        assert_eq!(resolve_with(None, Some(&digest)), [pinned]);
        let both = format!("docker.io/library/busybox:1@sha256:{HEX}");
        assert_eq!(resolve_with(Some("1"), Some(&digest)), [both]);
        // Callers normally pass `latest` already; without anything it is still added.
        assert_eq!(
            resolve_with(None, None),
            ["docker.io/library/busybox:latest"]
        );
    }

    #[test]
    fn aliases_match_the_bare_short_name_only() {
        let table = aliases(&[("busybox", "quay.io/x/busybox")]);
        let got = run(
            "library/busybox",
            &table,
            &["docker.io"],
            ShortNameMode::Enforcing,
            false,
        )
        .expect("search registry");
        assert_eq!(names(&got), ["docker.io/library/busybox:latest"]);
        assert!(!got.from_alias);
    }

    #[test]
    fn empty_alias_is_erased() {
        let table = aliases(&[("busybox", "")]);
        let got = run(
            "busybox",
            &table,
            &["quay.io"],
            ShortNameMode::Enforcing,
            false,
        )
        .expect("search registry");
        assert_eq!(names(&got), ["quay.io/busybox:latest"]);
        assert!(!got.from_alias);
    }

    #[test]
    fn bad_alias_values_are_errors() {
        let pinned = format!("docker.io/library/busybox@sha256:{HEX}");
        for value in [
            "docker.io/library/busybox:1.36",
            &pinned,
            "busybox",
            "docker.io/Busybox",
        ] {
            let table = aliases(&[("busybox", value)]);
            let err = run(
                "busybox",
                &table,
                &["docker.io"],
                ShortNameMode::Permissive,
                false,
            )
            .expect_err(value);
            let message = format!("{err:#}");
            let context = "short-name alias \"busybox\" in registries.conf [aliases]";
            assert!(message.starts_with(context), "{message}");
            assert!(
                message.contains(&format!("invalid reference {value:?}")),
                "{message}"
            );
        }
    }

    #[test]
    fn no_search_registries_is_an_error_in_every_mode() {
        for mode in MODES {
            let err = run("busybox", &BTreeMap::new(), &[], mode(), true).expect_err("none");
            assert_eq!(
                format!("{err:#}"),
                "short name \"busybox:latest\" did not resolve to an alias and no \
                 unqualified-search registries are defined in registries.conf; use a fully \
                 qualified name (e.g. docker.io/library/busybox:latest) or add a registry to \
                 unqualified-search-registries"
            );
        }
        let (none, mode) = (BTreeMap::new(), ShortNameMode::Disabled);
        let err =
            resolve("user/app", None, Some(&sha()), &none, &[], mode, false).expect_err("none");
        let example = format!("(e.g. docker.io/user/app@sha256:{HEX})");
        assert!(format!("{err:#}").contains(&example), "{err:#}");
    }

    #[test]
    fn one_search_registry_is_used_without_asking() {
        for mode in MODES {
            for tty in [false, true] {
                let got =
                    run("busybox", &BTreeMap::new(), &["docker.io"], mode(), tty).expect("one");
                assert_eq!(names(&got), ["docker.io/library/busybox:latest"]);
                assert!(!got.prompt && !got.from_alias);
            }
        }
    }

    #[test]
    fn duplicate_registries_are_tried_once() {
        let search = ["docker.io", "index.docker.io", "docker.io"];
        let got = run(
            "busybox",
            &BTreeMap::new(),
            &search,
            ShortNameMode::Enforcing,
            false,
        )
        .expect("one distinct candidate");
        assert_eq!(names(&got), ["docker.io/library/busybox:latest"]);
        assert!(!got.prompt);
    }

    #[test]
    fn several_registries_follow_the_mode() {
        let all = [
            "registry.fedoraproject.org/busybox:latest",
            "quay.io/busybox:latest",
            "docker.io/library/busybox:latest",
        ];
        let none = BTreeMap::new();
        let outcome = |mode, tty| {
            let got = run("busybox", &none, SEVERAL, mode, tty).expect("resolves");
            assert_eq!(names(&got), all);
            got.prompt
        };
        assert!(
            !outcome(ShortNameMode::Disabled, true),
            "disabled never asks"
        );
        assert!(!outcome(ShortNameMode::Disabled, false));
        assert!(
            outcome(ShortNameMode::Enforcing, true),
            "a terminal can ask"
        );
        assert!(outcome(ShortNameMode::Permissive, true));
        assert!(
            !outcome(ShortNameMode::Permissive, false),
            "permissive falls back to all"
        );

        let err = run("busybox", &none, SEVERAL, ShortNameMode::Enforcing, false)
            .expect_err("enforcing cannot ask");
        assert_eq!(
            format!("{err:#}"),
            "short name \"busybox:latest\" is ambiguous: it may mean \
             registry.fedoraproject.org/busybox:latest, quay.io/busybox:latest, \
             docker.io/library/busybox:latest; short-name-mode is \"enforcing\" and there is no \
             terminal to ask which; use a fully qualified name or add an alias for \"busybox\" to \
             [aliases] in registries.conf"
        );
    }

    #[test]
    fn search_registries_keep_namespaces_and_the_users_digest() {
        let search = ["quay.io/myorg".to_string(), "docker.io".to_string()];
        let mode = ShortNameMode::Permissive;
        let got = resolve(
            "user/app",
            None,
            Some(&sha()),
            &BTreeMap::new(),
            &search,
            mode,
            false,
        )
        .expect("permissive");
        let expected = [
            format!("quay.io/myorg/user/app@sha256:{HEX}"),
            format!("docker.io/user/app@sha256:{HEX}"),
        ];
        assert_eq!(names(&got), expected);
    }

    #[test]
    fn bad_search_registry_or_too_long_name_is_an_error() {
        let none = BTreeMap::new();
        let mode = || ShortNameMode::Permissive;
        let err = run("busybox", &none, &["quay.io", "bad_host"], mode(), false).expect_err("bad");
        let message = format!("{err:#}");
        let context = "unqualified-search-registries entry \"bad_host\" in registries.conf";
        assert!(message.starts_with(context), "{message}");
        assert!(
            message.contains("registry host \"bad_host\" is invalid"),
            "{message}"
        );

        // 255 characters is a valid short name, but not once docker.io/ is in front.
        let long = format!("{}a", "a/".repeat(127));
        let err = run(&long, &none, &["docker.io"], mode(), false).expect_err("too long");
        assert!(
            format!("{err:#}").contains("265 characters long"),
            "{err:#}"
        );
    }

    fn choose(input: &[u8]) -> (Result<Reference>, String) {
        let candidates: Vec<Reference> = ["quay.io/busybox", "docker.io/library/busybox"]
            .iter()
            .map(|name| Reference::parse_qualified(name).expect("valid"))
            .collect();
        let mut output = Vec::new();
        let result = prompt_choice(&candidates, &mut &input[..], &mut output);
        (result, String::from_utf8(output).expect("utf-8 prompt"))
    }

    #[test]
    fn prompt_lists_candidates_and_takes_a_number() {
        let (chosen, output) = choose(b"2\n");
        assert_eq!(
            chosen.expect("chosen").to_string(),
            "docker.io/library/busybox:latest"
        );
        assert_eq!(
            output,
            "Please select an image:\n  1) quay.io/busybox:latest\n  \
             2) docker.io/library/busybox:latest\nEnter a number from 1 to 2: "
        );
        let (chosen, _) = choose(b" 1 \r\n");
        assert_eq!(
            chosen.expect("chosen").to_string(),
            "quay.io/busybox:latest"
        );
        let (chosen, _) = choose(b"1");
        assert_eq!(
            chosen.expect("no final newline").to_string(),
            "quay.io/busybox:latest"
        );
    }

    #[test]
    fn prompt_asks_again_on_bad_answers() {
        let (chosen, output) = choose(b"abc\n0\n3\n\n\xff\xfe\n-1\n2\n");
        assert_eq!(
            chosen.expect("eventually").to_string(),
            "docker.io/library/busybox:latest"
        );
        for complaint in [
            "\"abc\" is not",
            "\"0\" is not",
            "\"3\" is not",
            "\"\" is not",
            "\"-1\" is not",
        ] {
            assert!(output.contains(complaint), "{output}");
        }
        assert_eq!(output.matches("Enter a number from 1 to 2: ").count(), 7);
    }

    #[test]
    fn prompt_without_an_answer_is_an_error() {
        for input in [&b""[..], b"9\n"] {
            let (chosen, _) = choose(input);
            let message = format!("{:#}", chosen.expect_err("no answer"));
            assert!(message.starts_with("no choice made"), "{message}");
        }
        let err = prompt_choice(&[], &mut &b"1\n"[..], &mut Vec::new()).expect_err("empty");
        assert!(format!("{err:#}").contains("no candidates"));
    }
}
