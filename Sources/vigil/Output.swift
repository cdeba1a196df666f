import Foundation
import VigilCore

// The one output path of the command line. Every byte Vigil writes to
// standard output or standard error outside the dashboard passes through
// here, and through the sanitiser: names, values, messages and whole
// reports can carry bytes from a configuration, a data file or the
// network, and none of them may reach the terminal as a control
// character. Newline and tab are kept; everything else below 0x20, DEL,
// C1 and bidirectional overrides are shown visibly.

/// Writes one line (or several) to standard output.
func say(_ text: String, terminator: String = "\n") {
    // Through print's buffer: `vigil scrape` of a big target writes
    // hundreds of thousands of lines.
    print(Sanitizer.cleanKeepingLines(text), terminator: terminator)
}

/// Prints to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((Sanitizer.cleanKeepingLines(message) + "\n").utf8))
}

/// Writes a frame rendered by `PlainText`: its only escape sequences are
/// the SGR colours the renderer itself adds; the canvas has refused every
/// control character in the text it holds.
func sayFrame(_ rendered: String) {
    print(rendered, terminator: "")
}

/// A document (post-mortem, report) to `-o FILE`, else standard output;
/// each line cleaned of control characters first (text from the journal
/// and the network goes to terminals and mail).
func emitDocument(_ text: String, to output: String?, command: String) throws {
    let clean = text.split(separator: "\n", omittingEmptySubsequences: false).map { safeLine(String($0)) }
        .joined(separator: "\n")
    if let output {
        guard FileManager.default.createFile(atPath: output, contents: Data(clean.utf8)) else {
            printError("\(command): cannot write \(output)")
            throw ExitStatus.failed
        }
    } else {
        say(clean, terminator: "")
    }
}
