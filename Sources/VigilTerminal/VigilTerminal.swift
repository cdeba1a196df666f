import CNcursesw
import VigilUI

public enum VigilTerminal {}
