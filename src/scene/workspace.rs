//! The Maya project a scene lives in: the nearest folder above it with a `workspace.mel`,
//! and that project's `images` file rule. Maya's own batch render writes into that folder
//! (per render layer), so brm does too when the job names no output folder.
//!
//! `workspace.mel` holds lines such as `workspace -fr "images" "images";` (Autodesk,
//! "workspace" MEL command, flag `-fileRule`/`-fr`: help.autodesk.com/cloudhelp/2024/ENU/
//! Maya-Tech-Docs/Commands/workspace.html). Only that line form is read; nothing is run.

use std::path::{Path, PathBuf};

/// How many folders above the scene are searched (scenes sit in `<project>/scenes/…`).
const MAX_UP: usize = 6;

/// The images folder of the Maya project containing `scene`, when the project's
/// `workspace.mel` has an `images` rule. Relative rules are under the project folder.
pub fn images_dir(scene: &Path) -> Option<PathBuf> {
    let mut dir = scene.parent()?;
    for _ in 0..MAX_UP {
        let ws = dir.join("workspace.mel");
        if ws.is_file() {
            let text = std::fs::read(&ws).ok()?;
            let rule = images_rule(&String::from_utf8_lossy(&text))?;
            let p = PathBuf::from(&rule);
            return Some(if p.is_absolute() { p } else { dir.join(p) });
        }
        dir = dir.parent()?;
    }
    None
}

/// The value of `workspace -fr "images" "VALUE";` (also `-fileRule`), if present and not
/// empty.
fn images_rule(text: &str) -> Option<String> {
    for line in text.lines() {
        let l = line.trim();
        let Some(rest) = l.strip_prefix("workspace") else {
            continue;
        };
        let rest = rest.trim_start();
        let Some(rest) = rest
            .strip_prefix("-fr ")
            .or_else(|| rest.strip_prefix("-fileRule "))
        else {
            continue;
        };
        let quoted: Vec<&str> = rest.split('"').skip(1).step_by(2).collect();
        if quoted.len() >= 2 && quoted[0] == "images" && !quoted[1].trim().is_empty() {
            return Some(quoted[1].to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_images_rule_of_the_enclosing_project() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("scenes/sh010")).unwrap();
        std::fs::write(
            d.path().join("workspace.mel"),
            "//Maya 2024 Project Definition\n\nworkspace -fr \"scene\" \"scenes\";\nworkspace -fr \"images\" \"renders/images\";\n",
        )
        .unwrap();
        let scene = d.path().join("scenes/sh010/light.ma");
        assert_eq!(images_dir(&scene), Some(d.path().join("renders/images")));
        assert_eq!(images_dir(Path::new("/nonexistent/x.ma")), None);
    }

    #[test]
    fn no_images_rule_means_no_project_default() {
        assert_eq!(images_rule("workspace -fr \"scene\" \"scenes\";"), None);
        assert_eq!(
            images_rule("workspace -fileRule \"images\" \"/abs/img\";"),
            Some("/abs/img".into())
        );
    }
}
