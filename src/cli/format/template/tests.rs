use serde_json::{Value, json};

use super::*;

fn render(source: &str, data: &Value) -> String {
    let template =
        Template::parse(source, false).unwrap_or_else(|e| panic!("parse {source:?}: {e}"));
    template
        .execute(data)
        .unwrap_or_else(|e| panic!("execute {source:?}: {e}"))
}

fn error(source: &str, data: &Value) -> String {
    match Template::parse(source, false).and_then(|t| t.execute(data)) {
        Ok(out) => panic!("{source:?} should fail, rendered {out:?}"),
        Err(e) => format!("{e:#}"),
    }
}

fn image() -> Value {
    json!({
        "ID": "8a3b2c1d4e5f",
        "Names": ["docker.io/library/busybox:latest", "localhost/mine:1"],
        "Size": 4261550,
        "Labels": {"version": "1.0", "maintainer": "me"},
        "Config": {"Env": ["PATH=/bin"], "Cmd": null, "WorkingDir": ""},
        "Dangling": false,
        "Ratio": 0.25
    })
}

#[test]
fn fields_nested_fields_and_literal_text() {
    let data = image();
    assert_eq!(
        render("id={{.ID}} env={{.Config.Env}}", &data),
        "id=8a3b2c1d4e5f env=[PATH=/bin]\n"
    );
    assert_eq!(
        render("{{.Size}} {{.Ratio}} {{.Dangling}}", &data),
        "4261550 0.25 false\n"
    );
    assert_eq!(
        render("{{.Labels}}", &data),
        "map[maintainer:me version:1.0]\n"
    );
    assert_eq!(
        render("{{.Config.Cmd}}|{{.Config.Cmd.Foo}}", &data),
        "<nil>|<nil>\n"
    );
    assert_eq!(render("{{.}}", &json!("plain")), "plain\n");
    assert_eq!(render("{{$.ID}}", &data), "8a3b2c1d4e5f\n");
}

#[test]
fn field_names_fall_back_to_case_insensitive() {
    assert_eq!(
        render("{{.Id}} {{.config.workingdir}}x", &image()),
        "8a3b2c1d4e5f x\n"
    );
}

#[test]
fn escapes_in_text_and_trailing_newline() {
    let data = image();
    assert_eq!(
        render(r"{{.ID}}\t{{.Size}}", &data),
        "8a3b2c1d4e5f\t4261550\n"
    );
    assert_eq!(
        render(r"{{.ID}}\n", &data),
        "8a3b2c1d4e5f\n",
        "no second newline"
    );
    assert_eq!(render("a\n{{.ID}}", &data), "a\n8a3b2c1d4e5f\n");
    assert_eq!(render(r#"{{printf "%s\t%s" "a" "b"}}"#, &data), "a\tb\n");
}

#[test]
fn json_function_in_call_and_pipe_form() {
    let data = image();
    assert_eq!(
        render("{{json .Names}}", &data),
        "[\"docker.io/library/busybox:latest\",\"localhost/mine:1\"]\n"
    );
    // Objects keep the order their fields were built in (podman's struct order).
    assert_eq!(
        render("{{.Labels | json}}", &data),
        "{\"version\":\"1.0\",\"maintainer\":\"me\"}\n"
    );
    assert_eq!(render("{{json .ID}}", &data), "\"8a3b2c1d4e5f\"\n");
    assert_eq!(render("{{json .Config.Cmd}}", &data), "null\n");
    assert_eq!(
        render("{{json \"<&>\"}}", &data),
        "\"<&>\"\n",
        "no HTML escaping, like podman"
    );
}

#[test]
fn string_functions() {
    let data = image();
    assert_eq!(
        render(
            "{{upper .ID}} {{lower \"AbC\"}} {{title \"hello big world\"}}",
            &data
        ),
        "8A3B2C1D4E5F abc Hello Big World\n"
    );
    assert_eq!(
        render("{{truncate .ID 4}}|{{truncate \"ab\" 10}}", &data),
        "8a3b|ab\n"
    );
    assert_eq!(
        render("[{{pad .ID 1 2}}][{{pad \"\" 1 2}}]", &data),
        "[ 8a3b2c1d4e5f  ][]\n"
    );
    assert_eq!(
        render("{{join .Names \", \"}}", &data),
        "docker.io/library/busybox:latest, localhost/mine:1\n"
    );
    assert_eq!(render("{{index (split \"a:b:c\" \":\") 1}}", &data), "b\n");
    assert_eq!(
        render("{{printf \"%-6s|%5d\" \"ab\" .Size}}", &data),
        "ab    |4261550\n"
    );
    assert_eq!(
        render("{{.ID | printf \"<%s>\"}}", &data),
        "<8a3b2c1d4e5f>\n"
    );
    assert_eq!(render("{{print 1 2 \"x\" 3}}", &data), "1 2x3\n");
}

#[test]
fn collection_and_logic_functions() {
    let data = image();
    assert_eq!(
        render("{{len .Names}} {{len .Labels}} {{len .ID}}", &data),
        "2 2 12\n"
    );
    assert_eq!(
        render(
            "{{index .Names 1}} {{index .Labels \"version\"}} {{index .Labels \"nope\"}}",
            &data
        ),
        "localhost/mine:1 1.0 <nil>\n"
    );
    assert_eq!(
        render(
            "{{eq .ID \"x\" \"8a3b2c1d4e5f\"}} {{ne .Size 1}} {{eq 1 1.0}}",
            &data
        ),
        "true true true\n"
    );
    assert_eq!(
        render("{{lt 1 2}} {{ge \"b\" \"a\"}} {{gt .Size 5000000}}", &data),
        "true true false\n"
    );
    assert_eq!(
        render("{{not .Dangling}} {{and 1 0 2}} {{or 0 \"\" \"x\"}}", &data),
        "true 0 x\n"
    );
}

#[test]
fn range_over_lists_and_maps_with_variables() {
    let data = image();
    assert_eq!(
        render("{{range .Names}}[{{.}}]{{end}}", &data),
        "[docker.io/library/busybox:latest][localhost/mine:1]\n"
    );
    assert_eq!(
        render("{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}", &data),
        "maintainer=me;version=1.0;\n"
    );
    assert_eq!(
        render(
            "{{range $i, $n := .Names}}{{$i}}:{{truncate $n 3}} {{end}}",
            &data
        ),
        "0:doc 1:loc \n"
    );
    assert_eq!(
        render("{{range $n := .Config.Env}}{{$n}}{{end}}", &data),
        "PATH=/bin\n"
    );
    assert_eq!(
        render("{{range .Config.Cmd}}x{{else}}no cmd{{end}}", &data),
        "no cmd\n"
    );
    assert_eq!(
        render("{{range .Names}}{{$.ID}} {{end}}", &data),
        "8a3b2c1d4e5f 8a3b2c1d4e5f \n"
    );
}

#[test]
fn if_else_if_else_and_with() {
    let data = image();
    let source = "{{if .Dangling}}dangling{{else if .Config.WorkingDir}}wd\
                  {{else if .Labels}}labeled{{else}}none{{end}}";
    assert_eq!(render(source, &data), "labeled\n");
    assert_eq!(
        render("{{if .Config.Cmd}}cmd{{else}}no{{end}}", &data),
        "no\n"
    );
    assert_eq!(
        render("{{if and .Names (not .Dangling)}}ok{{end}}", &data),
        "ok\n"
    );
    assert_eq!(
        render("{{with .Labels}}{{.version}}{{end}}", &data),
        "1.0\n"
    );
    assert_eq!(
        render(
            "{{with $c := .Config.Cmd}}{{$c}}{{else}}empty{{end}}",
            &data
        ),
        "empty\n"
    );
}

#[test]
fn variables_declare_and_assign() {
    let data = image();
    assert_eq!(
        render("{{$n := len .Names}}{{$n}} names", &data),
        "2 names\n"
    );
    assert_eq!(
        render(
            "{{$last := \"\"}}{{range .Names}}{{$last = .}}{{end}}{{$last}}",
            &data
        ),
        "localhost/mine:1\n"
    );
}

#[test]
fn trim_markers_comments_and_parentheses() {
    let data = image();
    assert_eq!(render("a  {{- .ID -}}  b", &data), "a8a3b2c1d4e5fb\n");
    assert_eq!(
        render("{{/* a comment */}}x{{- /* trimmed */ -}} y", &data),
        "xy\n"
    );
    assert_eq!(
        render("{{(index .Names 0) | upper}}", &data),
        "DOCKER.IO/LIBRARY/BUSYBOX:LATEST\n"
    );
    let nested = json!({"Items": [{"Name": "first"}]});
    assert_eq!(render("{{(index .Items 0).Name}}", &nested), "first\n");
    assert_eq!(
        render("{{printf \"}}\"}}", &data),
        "}}\n",
        "}} inside a string does not end the action"
    );
    assert_eq!(render("{{`raw\\n`}}", &data), "raw\\n\n");
}

#[test]
fn table_mode_turns_text_spaces_into_tabs_but_not_string_constants() {
    let template = Template::parse("{{.ID}} {{join .Names \", \"}}", true).unwrap();
    let out = template.execute(&image()).unwrap();
    assert_eq!(
        out,
        "8a3b2c1d4e5f\tdocker.io/library/busybox:latest, localhost/mine:1\n"
    );
}

#[test]
fn header_names_each_printed_field() {
    let titles = |path: &[String]| path.join(".").to_uppercase();
    let header = |source: &str| {
        Template::parse(source, true)
            .unwrap()
            .execute_header(&titles)
    };
    assert_eq!(
        header("{{.ID}}\t{{json .Labels}}\t{{.Config.Env}}"),
        "ID\tLABELS\tCONFIG.ENV\n"
    );
    assert_eq!(
        header("{{if .Repo}}{{.Repo}}{{else}}<none>{{end}} {{.Tag}}"),
        "REPO\tTAG\n"
    );
    assert_eq!(
        header("{{if .Dangling}}yes{{end}}\t{{range .Names}}{{.}},{{end}}"),
        "DANGLING\tNAMES\n"
    );
    assert_eq!(header("{{with .Config}}{{.Env}}{{end}}"), "ENV\n");
    assert_eq!(
        header("{{$x := .ID}}{{$x}}"),
        "\n",
        "variables carry no field name"
    );
}

#[test]
fn unknown_field_names_the_template_position_and_available_fields() {
    let message = error(
        "{{.ID}} {{.Foo}}",
        &json!({"ID": 1, "Names": [], "Size": 2}),
    );
    assert_eq!(
        message,
        "template: \"{{.ID}} {{.Foo}}\":1:11: executing at <.Foo>: \
         can't evaluate field Foo (available fields: ID, Names, Size)"
    );
    let nested = error("{{.Config.Nope}}", &image());
    assert!(
        nested.contains("can't evaluate field Nope (available fields: Cmd, Env, WorkingDir)"),
        "{nested}"
    );
    let on_string = error("line one\n{{.ID.Short}}", &image());
    assert!(
        on_string
            .contains(":2:3: executing at <.ID.Short>: can't evaluate field Short in type string"),
        "{on_string}"
    );
}

#[test]
fn execution_errors_from_functions_are_one_line() {
    let data = image();
    let arity = error("{{truncate .ID}}", &data);
    assert!(
        arity.contains("error calling truncate: wrong number of args for truncate: want 2 got 1"),
        "{arity}"
    );
    let range = error("{{range .ID}}{{end}}", &data);
    assert!(
        range.contains("range can't iterate over string 8a3b2c1d4e5f"),
        "{range}"
    );
    let index = error("{{index .Names 5}}", &data);
    assert!(index.contains("index out of range: 5"), "{index}");
    let join = error("{{join .ID \",\"}}", &data);
    assert!(join.contains("join needs a list first"), "{join}");
    for message in [arity, range, index, join] {
        assert!(!message.contains('\n'), "one line: {message:?}");
    }
}

#[test]
fn parse_errors_name_the_problem() {
    let data = json!({});
    let cases = [
        ("{{.ID", "unclosed action"),
        ("{{if .A}}x", "{{if}} has no matching {{end}}"),
        (
            "{{range .A}}x{{else}}y",
            "{{range}} has no matching {{end}}",
        ),
        ("x{{end}}", "unexpected {{end}}"),
        ("{{else}}", "unexpected {{else}}"),
        (
            "{{frobnicate .A}}",
            "function \"frobnicate\" not defined (available: and, eq,",
        ),
        ("{{$nope}}", "undefined variable \"$nope\""),
        ("{{.A .B}}", "can't give argument to non-function .A"),
        ("{{.A | .B}}", "can't give argument to non-function .B"),
        ("{{}}", "missing value for command"),
        ("{{if}}{{end}}", "missing value for if"),
        ("{{\"open}}", "unterminated quoted string"),
        ("{{(len .A}}", "unclosed left paren"),
        ("{{define \"x\"}}{{end}}", "{{define}} is not supported"),
        ("{{/* open", "unclosed comment"),
        ("{{nil}}", "nil is not a command"),
        ("{{.A ; .B}}", "unexpected ';' in action"),
    ];
    for (source, want) in cases {
        let message = error(source, &data);
        assert!(message.starts_with("template: "), "{source}: {message}");
        assert!(
            message.contains(want),
            "{source}: want {want:?} in {message:?}"
        );
    }
}
