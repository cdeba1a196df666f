import Foundation
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

/// Where the journal and history live (issue 21): a team's `state_dir:`,
/// one's own otherwise, and what keeps a shared directory from working.
@Suite struct StateDirectoryTests {
    let here = FileLocations(
        environment: ["HOME": "/home/op"], executableDirectory: "/usr/bin", workingDirectory: "/home/op",
        exists: { _ in false })

    @Test func theOptionThenTheConfigurationThenOnesOwn() {
        #expect(
            here.stateDirectory(option: "/x", configured: "/var/lib/vigil").description == "/x (--state-dir)")
        #expect(
            here.stateDirectory(option: nil, configured: "/var/lib/vigil").description
                == "/var/lib/vigil (state_dir: in the configuration)")
        #expect(
            here.stateDirectory(option: nil, configured: nil).description == "/home/op/.local/state/vigil (your own)")
        var homeless = here
        homeless.environment = [:]
        #expect(homeless.stateDirectory(option: nil, configured: nil).path == NSHomeDirectory() + "/.local/state/vigil")
        var xdg = here
        xdg.environment["XDG_STATE_HOME"] = "/s"
        #expect(xdg.stateDirectory(option: nil, configured: nil).path == "/s/vigil")
        // The demo's made-up alerts never go into a team's journal.
        #expect(
            here.stateDirectory(option: nil, configured: "/var/lib/vigil", demo: true).description
                == "/home/op/.local/state/vigil/demo (the demo's own)")
    }

    @Test func stateDirIsReadRelativeToTheConfigurationFile() throws {
        let base = "refresh: 2s\nmetrics: {}\ndashboards: []\n"
        #expect(
            try ConfigLoader.parse(base + "state_dir: /var/lib/vigil\n", file: "/etc/vigil/vigil.yaml").stateDir
                == "/var/lib/vigil")
        #expect(
            try ConfigLoader.parse(base + "state_dir: team\n", file: "/etc/vigil/vigil.yaml").stateDir
                == "/etc/vigil/team")
        #expect(try ConfigLoader.parse(base, file: "/etc/vigil/vigil.yaml").stateDir == nil)
        do {
            _ = try ConfigLoader.parse(base + "state_dir: ''\n", file: "t.yaml")
            Issue.record("an empty state_dir must be refused")
        } catch {
            #expect(error.errors.map(\.description) == ["t.yaml:4:12: state_dir must be a directory path"])
        }
    }

    /// Run as root here, so "the group" is root's group 0; the checks are
    /// the same for any group.
    @Test func aSharedDirectorySaysWhatKeepsTheGroupOut() throws {
        let dir = "/tmp/vigil-shared-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        chmod(dir, 0o755)
        // Not setgid: one person's directory, nothing to say.
        #expect(SharedState.group(of: dir) == nil)
        #expect(SharedState.problems(in: dir).isEmpty)
        chmod(dir, 0o2770)
        let gid = try #require(SharedState.group(of: dir))
        let name = SharedState.groupName(gid)
        // A journal created there is the group's to write, whatever the umask.
        let old = umask(0o077)
        let journal = try Journal(directory: dir + "/sub")
        SharedState.prepare(dir + "/sub/history.sqlite")
        umask(old)
        _ = journal
        var st = stat()
        stat(dir + "/sub", &st)
        #expect(st.st_mode & 0o7777 == 0o2770)
        for f in ["journal.jsonl", "history.sqlite"] {
            stat(dir + "/sub/" + f, &st)
            #expect(st.st_mode & 0o777 == 0o660, "\(f): \(String(st.st_mode & 0o777, radix: 8))")
        }
        #expect(SharedState.problems(in: dir + "/sub").isEmpty)
        chmod(dir + "/sub/journal.jsonl", 0o640)
        #expect(
            SharedState.problems(in: dir + "/sub") == [
                "journal.jsonl is not writable by group \(name) (mode 640): the others cannot write it;"
                    + " chmod g+rw \(dir)/sub/journal.jsonl"
            ])
        chmod(dir + "/sub", 0o2700)
        #expect(
            SharedState.problems(in: dir + "/sub").first
                == "\(dir)/sub is not open to group \(name) (mode 2700): chmod 2770 it")
    }
}
