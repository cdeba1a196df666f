import Testing
import VigilCore

@testable import VigilUI

/// The picker's own keys: a single-value variable takes each choice as
/// the cursor reaches it; a multi-value one is ticked value by value
/// with Space, All alone or when nothing is left.
@Suite struct VariablePickerTests {
    static let service = DashboardVariable(
        name: "service", label: "Service", type: "custom", options: ["api", "web", "checkout"], includeAll: true,
        multi: true, query: "api,web,checkout", current: ["api", "checkout"])
    static let window = DashboardVariable(
        name: "window", label: "window", type: "interval", options: ["1m", "5m"], includeAll: false, multi: false,
        query: "1m,5m", current: ["1m"])
    static let quantile = DashboardVariable(
        name: "quantile", label: "quantile", type: "constant", options: [], includeAll: false, multi: false,
        query: "0.95", current: ["0.95"])

    @Test func tickingValuesOfAMultiValueVariable() {
        var p = VariablePicker(source: 0, variables: [Self.service, Self.quantile, Self.window])
        // The cursor starts on the first chosen value.
        #expect(p.cursor == [1, 0, 0])
        p.cycle(1)  // web
        p.toggle()
        #expect(p.values["service"] == ["api", "web", "checkout"])
        p.cycle(-1)  // api
        p.toggle()
        p.cycle(1)
        p.toggle()  // web out again
        #expect(p.values["service"] == ["checkout"])
        p.cycle(1)  // checkout
        p.toggle()
        // Nothing left is All.
        #expect(p.values["service"] == [DashboardVariable.all])
        p.cycle(-1)
        p.toggle()  // web
        p.cycle(-2)  // All
        p.toggle()
        #expect(p.values["service"] == [DashboardVariable.all])
        // The constant is skipped; a single-value variable takes the choice.
        p.move(1)
        #expect(p.selected == 2)
        p.cycle(1)
        #expect(p.values == ["service": [DashboardVariable.all], "window": ["5m"]])
        p.toggle()  // not multi: nothing
        #expect(p.values["window"] == ["5m"])
    }

    @Test func theBoxShowsEachVariableAndTheTicks() {
        var p = VariablePicker(source: 0, variables: [Self.service, Self.quantile, Self.window])
        p.cycle(1)
        var c = Canvas(width: 70, height: 9)
        VariablePickerBox(picker: p, look: Look(theme: .fallback, glyphs: Glyphs(ascii: false))).render(
            in: c.bounds, on: &c)
        #expect(
            c.lines
                == [
                    "",
                    "     ┏ Variables ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓     ",
                    "     ┃ Service   [ ] All  [x] api  [ ] web  [x] checkout        ┃     ",
                    "     ┃ quantile  0.95 (constant)                                ┃     ",
                    "     ┃ window    < 1m >  2 choices                              ┃     ",
                    "     ┃                                                          ┃     ",
                    "     ┃ arrows choose, Space ticks, Enter applies, Esc cancels   ┃     ",
                    "     ┗━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┛     ",
                    "",
                ].map { $0.isEmpty ? String(repeating: " ", count: 70) : $0 }, "\(c.lines.joined(separator: "\n"))")
    }

    /// A textbox is typed in place: letters that elsewhere move the
    /// selection (h j k l) are text there; the arrows still move.
    @Test func aTextboxIsTypedInPlace() {
        let team = DashboardVariable(
            name: "team", label: "team", type: "textbox", options: [], includeAll: false, multi: false,
            query: "launch", current: ["launch"])
        var st = AppState(config: VigilConfig(), themes: [.fallback])
        st.picker = VariablePicker(source: 0, variables: [team, Self.window])
        st.variables = [[team, Self.window]]
        for k: Key in [.backspace, .backspace, .backspace, .backspace, .backspace, .backspace, .char("h"), .char("j")] {
            _ = st.handle(k)
        }
        #expect(st.picker?.values["team"] == ["hj"])
        _ = st.handle(.down)
        #expect(st.picker?.selected == 1)
        #expect(st.handle(.enter) == [.setVariables(0, ["team": ["hj"], "window": ["1m"]])])
        #expect(st.variables[0][0].current == ["hj"])
        // Ctrl-C quits from the picker.
        st.picker = VariablePicker(source: 0, variables: [team])
        #expect(st.handle(.interrupt) == [.quit])
    }
}
