import Foundation
import Testing

@testable import VigilCore

/// The fast float paths must agree bit for bit with a correctly rounded
/// parser (Swift's own `Double(String)`), including the decimal strings
/// that sit right at a rounding boundary.
@Suite struct FastFloatTests {
    func check(_ text: String) {
        let ours = FastFloat.parse(text)
        let reference = Double(text)
        #expect(
            ours?.bitPattern == reference?.bitPattern,
            "\(text): ours \(String(describing: ours)), reference \(String(describing: reference))")
    }

    @Test func randomDoublesInEveryNotation() {
        var state: UInt64 = 12345
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
        for _ in 0..<20_000 {
            let v = Double(bitPattern: next() & 0x7FEF_FFFF_FFFF_FFFF)  // finite, positive
            check("\(v)")
            check(String(format: "%.17g", v))
            check(String(format: "%.15e", v))
            check(String(format: "%.19g", v))
            let small = Double(next() % 100_000_000) / pow(10, Double(next() % 30))
            check("\(small)")
            check(String(format: "%.16g", small))
        }
    }

    /// Halfway cases: a 54-bit odd integer is exactly between two doubles;
    /// decimal forms of it and its neighbours stress the double rounding.
    @Test func halfwayCases() {
        var state: UInt64 = 99
        for _ in 0..<5_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let odd = (state >> 10) | (1 << 53) | 1
            for delta: Int64 in [-1, 0, 1] {
                let n = UInt64(Int64(odd) + delta)
                check("\(n)")
                check("\(n)e-5")
                check("\(n)e3")
                check("0.\(n)")
            }
        }
    }

    @Test func specialsAndRejects() {
        #expect(FastFloat.parse("NaN")?.isNaN == true)
        #expect(FastFloat.parse("+Inf") == .infinity)
        #expect(FastFloat.parse("-inf") == -.infinity)
        for bad in ["", "-", "e5", "1e", "1.2.3", "0x10", "1_000", "--1", "+NaN", "Infx", "1 "] {
            #expect(FastFloat.parse(bad) == nil, "\(bad) should be rejected")
        }
    }
}
