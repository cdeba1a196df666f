import Testing

@testable import VigilCore

/// The lookup order of issue 17: configuration and themes, installed or in
/// a checkout, with the reason for each choice.
@Suite struct FileLocationsTests {
    func locations(_ env: [String: String], files: Set<String>, exe: String = "/usr/bin", cwd: String = "/home/op")
        -> FileLocations
    {
        FileLocations(environment: env, executableDirectory: exe, workingDirectory: cwd, exists: { files.contains($0) })
    }

    @Test func configOrder() {
        let all: Set<String> = [
            "/home/op/.config/vigil/vigil.yaml", "/etc/vigil/vigil.yaml",
            "/usr/share/vigil/dashboards/normaldance.yaml",
        ]
        let env = ["HOME": "/home/op"]
        #expect(locations(env, files: all).config(option: "x.yaml")?.description == "x.yaml (--config)")
        #expect(
            locations(env.merging(["VIGIL_CONFIG": "/srv/v.yaml"]) { $1 }, files: all).config(option: nil)?.description
                == "/srv/v.yaml ($VIGIL_CONFIG)")
        #expect(
            locations(env, files: all).config(option: nil)?.description
                == "/home/op/.config/vigil/vigil.yaml (user configuration)")
        #expect(
            locations(env.merging(["XDG_CONFIG_HOME": "/x"]) { $1 }, files: all).config(option: nil)?.path
                == "/etc/vigil/vigil.yaml")
        #expect(
            locations(env, files: all.subtracting(["/home/op/.config/vigil/vigil.yaml"])).config(option: nil)?
                .description == "/etc/vigil/vigil.yaml (system configuration)")
        #expect(
            locations(env, files: ["/usr/share/vigil/dashboards/normaldance.yaml"]).config(option: nil)?.description
                == "/usr/share/vigil/dashboards/normaldance.yaml (the shipped NormalDance dashboards)")
        #expect(locations(env, files: []).config(option: nil) == nil)
    }

    /// A checkout: the binary in .build/<triple>/debug, run from anywhere.
    @Test func checkoutFindsItsDashboardsAndThemes() {
        let files: Set<String> = ["/src/vigil/dashboards/normaldance.yaml"]
        let l = locations([:], files: files, exe: "/src/vigil/.build/x86_64-unknown-linux-gnu/debug", cwd: "/tmp")
        #expect(l.shippedDashboards()?.path == "/src/vigil/dashboards/normaldance.yaml")
        #expect(l.themeDirectories(option: nil).contains("/src/vigil/themes"))
        let fromRoot = locations(
            [:], files: ["/src/vigil/dashboards/normaldance.yaml"], exe: "/opt/x", cwd: "/src/vigil")
        #expect(fromRoot.shippedDashboards()?.path == "/src/vigil/dashboards/normaldance.yaml")
    }

    @Test func themeOrder() {
        let l = locations(["XDG_CONFIG_HOME": "/cfg"], files: [], exe: "/usr/bin", cwd: "/w")
        #expect(
            Array(l.themeDirectories(option: nil).prefix(3)) == [
                "/cfg/vigil/themes", "/usr/share/vigil/themes", "/w/themes",
            ])
        #expect(l.themeDirectories(option: "/mine") == ["/mine"])
        // Installed under another prefix: its share directory, next to the binary.
        let opt = locations([:], files: [], exe: "/opt/vigil/bin", cwd: "/w")
        #expect(opt.themeDirectories(option: nil).contains("/opt/vigil/share/vigil/themes"))
    }

    @Test func parents() {
        #expect(FileLocations.parent("/usr/bin") == "/usr")
        #expect(FileLocations.parent("/usr/bin/") == "/usr")
        #expect(FileLocations.parent("/usr") == "/")
        #expect(FileLocations.parent("vigil") == ".")
    }
}
