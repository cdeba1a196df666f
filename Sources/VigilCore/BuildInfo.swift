// scripts/package.sh writes the commit here for the build it packages and
// puts this file back afterwards; a build from a working tree records none.
enum BuildInfo {
    static let commit: String? = nil
}
