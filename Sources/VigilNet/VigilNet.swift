import CCurl
import VigilCore

public enum VigilNet {}
