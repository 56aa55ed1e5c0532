use std::io::{self, Write};

use serde_json::{Value, json};

use super::*;

const COLUMNS: [Column; 4] = [
    Column {
        header: "REPOSITORY",
        field: "Repository",
    },
    Column {
        header: "TAG",
        field: "Tag",
    },
    Column {
        header: "IMAGE ID",
        field: "ID",
    },
    Column {
        header: "SIZE",
        field: "Size",
    },
];

fn rows() -> Vec<Value> {
    vec![
        json!({
            "Repository": "docker.io/library/busybox", "Tag": "latest",
            "ID": "8a3b2c1d4e5f", "Size": "4.26 MB", "CreatedAt": "2025-01-01"
        }),
        json!({
            "Repository": "localhost/a-much-longer-repository-name", "Tag": "v1.2.3-rc1",
            "ID": "0123456789ab", "Size": "1.1 GB", "CreatedAt": "2025-02-02"
        }),
    ]
}

fn rendered(rows: &[Value], format: &OutputFormat) -> String {
    let mut out = Vec::new();
    render(rows, &COLUMNS, format, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn template(source: &str) -> OutputFormat {
    parse_format(Some(source))
}

#[test]
fn parse_format_recognises_table_json_and_templates() {
    assert_eq!(parse_format(None), OutputFormat::Table);
    assert_eq!(parse_format(Some("table")), OutputFormat::Table);
    assert_eq!(parse_format(Some("  ")), OutputFormat::Table);
    assert_eq!(parse_format(Some("json")), OutputFormat::Json);
    assert_eq!(parse_format(Some(" json ")), OutputFormat::Json);
    assert_eq!(parse_format(Some("{{ json }}")), OutputFormat::Json);
    assert_eq!(
        parse_format(Some("{{json .}}")),
        OutputFormat::Template {
            template: "{{json .}}".into(),
            table: false
        }
    );
    assert_eq!(
        parse_format(Some("table {{.ID}}")),
        OutputFormat::Template {
            template: "{{.ID}}".into(),
            table: true
        }
    );
    assert_eq!(
        parse_format(Some("{{.ID}}")),
        OutputFormat::Template {
            template: "{{.ID}}".into(),
            table: false
        }
    );
}

#[test]
fn default_table_aligns_wide_values_like_podman() {
    // Each column is its widest cell + 2, at least 12; the last column is not padded.
    let want = "\
REPOSITORY                               TAG         IMAGE ID      SIZE
docker.io/library/busybox                latest      8a3b2c1d4e5f  4.26 MB
localhost/a-much-longer-repository-name  v1.2.3-rc1  0123456789ab  1.1 GB
";
    assert_eq!(rendered(&rows(), &OutputFormat::Table), want);
}

#[test]
fn default_table_handles_missing_null_numbers_and_no_heading() {
    let rows = vec![json!({"Repository": null, "Tag": "a\tb\nc", "Size": 42})];
    let mut out = Vec::new();
    render_with(&rows, &COLUMNS, &OutputFormat::Table, false, &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "            a b c                   42\n"
    );
    assert_eq!(
        rendered(&[], &OutputFormat::Table),
        "REPOSITORY  TAG         IMAGE ID    SIZE\n"
    );
}

#[test]
fn json_is_a_four_space_indented_array() {
    let rows = vec![json!({"ID": "abc", "Names": ["x"], "Size": 3})];
    let want = r#"[
    {
        "ID": "abc",
        "Names": [
            "x"
        ],
        "Size": 3
    }
]
"#;
    assert_eq!(rendered(&rows, &OutputFormat::Json), want);
    assert_eq!(rendered(&[], &OutputFormat::Json), "[]\n");
}

#[test]
fn plain_template_renders_each_row_without_header_or_alignment() {
    let got = rendered(&rows(), &template(r"{{.ID}}\t{{.Tag}}"));
    assert_eq!(got, "8a3b2c1d4e5f\tlatest\n0123456789ab\tv1.2.3-rc1\n");
    assert_eq!(rendered(&[], &template("{{.ID}}")), "");
    let per_row_json = rendered(&rows()[..1], &template("{{json .}}"));
    assert!(
        per_row_json.starts_with("{\"Repository\":\"docker.io/library/busybox\",")
            && per_row_json.ends_with("}\n"),
        "{per_row_json}"
    );
}

#[test]
fn table_template_adds_podman_headers_and_aligns() {
    let got = rendered(&rows(), &template("table {{.ID}} {{.CreatedAt}}\t{{.Tag}}"));
    let want = "\
IMAGE ID      CREATED AT  TAG
8a3b2c1d4e5f  2025-01-01  latest
0123456789ab  2025-02-02  v1.2.3-rc1
";
    assert_eq!(got, want);
    let mut out = Vec::new();
    render_with(
        &rows(),
        &COLUMNS,
        &template("table {{.Tag}}"),
        false,
        &mut out,
    )
    .unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "latest\nv1.2.3-rc1\n",
        "--noheading drops the header"
    );
    assert_eq!(
        rendered(&[], &template("table {{.Repository}}")),
        "REPOSITORY\n"
    );
}

#[test]
fn template_errors_leave_no_partial_output() {
    let mut rows = rows();
    rows.push(json!({"Repository": "x"}));
    let mut out = Vec::new();
    let err = render(&rows, &COLUMNS, &template("{{.Tag}}"), &mut out).unwrap_err();
    assert!(
        format!("{err:#}").contains("can't evaluate field Tag (available fields: Repository)"),
        "{err:#}"
    );
    assert!(out.is_empty());
    let err = render(&rows, &COLUMNS, &template("{{if .Tag}}"), &mut out).unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        "template: \"{{if .Tag}}\":1:1: {{if}} has no matching {{end}}; add one"
    );
}

#[test]
fn inspect_prints_a_five_space_array_or_a_template_per_object() {
    let values = vec![
        json!({"Id": "abc", "Config": {"Env": ["A=1"]}}),
        json!({"Id": "def", "Config": {"Env": []}}),
    ];
    let mut out = Vec::new();
    render_inspect(&values[..1], None, &mut out).unwrap();
    // Fields in the order the object was built (podman's struct order), not sorted.
    let want = r#"[
     {
          "Id": "abc",
          "Config": {
               "Env": [
                    "A=1"
               ]
          }
     }
]
"#;
    assert_eq!(String::from_utf8(out).unwrap(), want);

    let mut out = Vec::new();
    render_inspect(&[], Some("json"), &mut out).unwrap();
    assert_eq!(out, b"[]\n");

    let mut out = Vec::new();
    render_inspect(&values, Some("{{.ID}} {{json .Config.Env}}"), &mut out).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "abc [\"A=1\"]\ndef []\n");
}

#[test]
fn render_one_prints_an_object_or_applies_the_template() {
    let info = json!({"Host": {"Arch": "amd64", "Os": "linux"}});
    let mut out = Vec::new();
    render_one(&info, &OutputFormat::Json, &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "{\n    \"Host\": {\n        \"Arch\": \"amd64\",\n        \"Os\": \"linux\"\n    }\n}\n"
    );
    let mut out = Vec::new();
    render_one(&info, &template("{{.Host.Os}}/{{.Host.Arch}}"), &mut out).unwrap();
    assert_eq!(out, b"linux/amd64\n");
}

#[test]
fn writes_to_a_real_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    let mut file = std::fs::File::create(&path).unwrap();
    render(
        &rows(),
        &COLUMNS,
        &template("{{.Repository}}:{{.Tag}}"),
        &mut file,
    )
    .unwrap();
    drop(file);
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        written,
        "docker.io/library/busybox:latest\nlocalhost/a-much-longer-repository-name:v1.2.3-rc1\n"
    );
}

struct BrokenPipe;

impl Write for BrokenPipe {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::from(io::ErrorKind::BrokenPipe))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn write_failures_are_reported() {
    let err = render(&rows(), &COLUMNS, &OutputFormat::Table, &mut BrokenPipe).unwrap_err();
    assert_eq!(err.to_string(), "writing the output");
    assert_eq!(
        err.root_cause()
            .downcast_ref::<io::Error>()
            .map(io::Error::kind),
        Some(io::ErrorKind::BrokenPipe)
    );
}

#[test]
fn camel_case_splits_like_fatih_camelcase() {
    let split = |s: &str| split_camel_case(s).join(" ");
    assert_eq!(split("CreatedAt"), "Created At");
    assert_eq!(split("ID"), "ID");
    assert_eq!(split("ImageID"), "Image ID");
    assert_eq!(split("PIDFile"), "PID File");
    assert_eq!(split("Field1"), "Field 1");
    assert_eq!(split("lowercase"), "lowercase");
    assert_eq!(split("RepoTags"), "Repo Tags");
    assert_eq!(column_title(&COLUMNS, &["id".to_string()]), "IMAGE ID");
    assert_eq!(
        column_title(&COLUMNS, &["Config".to_string(), "WorkingDir".to_string()]),
        "WORKING DIR"
    );
}
