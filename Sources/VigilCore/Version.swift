public enum VigilVersion {
    public static let current = "0.1.0"

    /// What `vigil --version` prints: the version and the commit it was
    /// built from (recorded by scripts/package.sh), or a plain word that a
    /// build from a working tree recorded none.
    public static var description: String {
        if let commit = BuildInfo.commit { return "\(current) (commit \(commit))" }
        return "\(current) (built from a working tree; no commit recorded)"
    }
}
