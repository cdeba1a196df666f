/// Everything on the screen is a widget: a value that holds what it shows
/// and how it looks, and draws itself into a rect of the canvas. Layout
/// splits rects; screens are widgets made of widgets.
public protocol Widget {
    func render(in r: Rect, on c: inout Canvas)
}

/// How widgets draw: the theme's colours and the glyph set (Unicode, or
/// ASCII when the locale is not UTF-8).
public struct Look: Sendable, Equatable {
    public var theme: Theme
    public var glyphs: Glyphs

    public init(theme: Theme, glyphs: Glyphs) {
        self.theme = theme
        self.glyphs = glyphs
    }
}

/// A widget that draws with a `Look`: `theme`, `glyphs` and `g` are its
/// parts, as the drawing code names them.
protocol Styled {
    var look: Look { get }
}

extension Styled {
    var theme: Theme { look.theme }
    var glyphs: Glyphs { look.glyphs }
    var g: Glyphs { look.glyphs }
}
