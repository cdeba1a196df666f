import Testing

@testable import VigilUI
