import Foundation

// Built normally, this is the replay driver: `VIGIL_FUZZ_TARGET=promql
// vigil-fuzz FILE...` runs the target on each file once (the regression
// tests do, on every crash the fuzzer ever found). Built by scripts/fuzz.sh
// with -sanitize=fuzzer and FUZZING, libFuzzer supplies main instead.
#if !FUZZING
    @main
    struct Replay {
        static func main() {
            for path in CommandLine.arguments.dropFirst() {
                guard let data = FileManager.default.contents(atPath: path) else {
                    FileHandle.standardError.write(Data("vigil-fuzz: cannot read \(path)\n".utf8))
                    exit(2)
                }
                FuzzTarget.current.run(Array(data))
            }
        }
    }
#endif
