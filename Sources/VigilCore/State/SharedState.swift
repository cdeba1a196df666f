import Foundation

/// A state directory a team shares on one host: the directory belongs to
/// a group (`vigil`) and has the setgid bit, so every file created in it
/// takes that group. Vigil then gives the files it creates there mode 0660
/// itself, whatever the user's umask: an engineer whose umask is 077 must
/// not lock the others out of the journal. A directory without the setgid
/// bit is one person's, and its files keep the umask's mode.
public enum SharedState {
    /// The group a directory is shared with (its group, when the setgid bit
    /// is set); nil for a directory that is not shared or not there.
    public static func group(of directory: String) -> gid_t? {
        var st = stat()
        guard stat(directory, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, st.st_mode & S_ISGID != 0 else { return nil }
        return st.st_gid
    }

    /// The group's name (`vigil`), or its number when it has none.
    public static func groupName(_ gid: gid_t) -> String {
        guard let g = getgrgid(gid), let name = g.pointee.gr_name else { return String(gid) }
        return String(cString: name)
    }

    /// Creates `directory` (and its parents) when missing; a directory made
    /// inside a shared one is shared the same way (2770).
    public static func makeDirectory(_ directory: String) throws {
        var st = stat()
        if stat(directory, &st) == 0 { return }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if group(of: FileLocations.parent(directory)) != nil { chmod(directory, 0o2770) }
    }

    /// After opening or creating `fd` in `directory`: a file of our own in
    /// a shared directory gets the group's read and write, whatever the
    /// umask took away. Files of other members are theirs to set (and
    /// were set so when they created them).
    /// `open`, tried again for a second when it is refused: another
    /// user's Vigil may have just created the file under a umask that
    /// shuts the group out, and shares it the moment after.
    public static func open(_ path: String, _ flags: Int32, _ mode: mode_t = 0o644) -> Int32 {
        var fd = Glibc.open(path, flags, mode)
        for _ in 0..<20 where fd < 0 && errno == EACCES {
            usleep(50_000)
            fd = Glibc.open(path, flags, mode)
        }
        return fd
    }

    public static func share(fd: Int32, in directory: String) {
        guard group(of: directory) != nil else { return }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_uid == geteuid(), st.st_mode & 0o060 != 0o060 else { return }
        fchmod(fd, (st.st_mode & 0o7777) | 0o660)
    }

    /// Creates an empty file at `path` ready to share, when it is missing:
    /// for files another library creates (SQLite copies the database's mode
    /// to its -wal and -shm files, so the database must have it first).
    public static func prepare(_ path: String) {
        let directory = FileLocations.parent(path)
        guard group(of: directory) != nil else { return }
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o660)
        guard fd >= 0 else { return }
        share(fd: fd, in: directory)
        close(fd)
    }

    /// What keeps the other members out, said at start: files in a shared
    /// directory that its group cannot read and write, or that belong to
    /// another group (copied in, or made before the directory was shared).
    public static func problems(in directory: String, files: [String] = ["journal.jsonl", "history.sqlite"])
        -> [String]
    {
        guard let gid = group(of: directory) else { return [] }
        let name = groupName(gid)
        var out: [String] = []
        var st = stat()
        if stat(directory, &st) == 0, st.st_mode & 0o070 != 0o070 {
            out.append("\(directory) is not open to group \(name) (mode \(octal(st.st_mode))): chmod 2770 it")
        }
        for f in files {
            let path = directory + "/" + f
            guard stat(path, &st) == 0 else { continue }
            if st.st_gid != gid {
                out.append("\(f) belongs to group \(groupName(st.st_gid)), not \(name): chgrp \(name) \(path)")
            } else if st.st_mode & 0o060 != 0o060 {
                out.append(
                    "\(f) is not writable by group \(name) (mode \(octal(st.st_mode))): the others cannot write it;"
                        + " chmod g+rw \(path)")
            }
        }
        return out
    }

    static func octal(_ mode: mode_t) -> String { String(mode & 0o7777, radix: 8) }
}
