//! Tests of the network module: parsing, the generated files, the helpers' command lines, and
//! (when the machine allows it) real helpers against a real namespace (`live`).

mod attach;
mod config;
mod helper_args;
mod host;
mod live;
mod names;
mod port_check;
mod ports;

pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}
