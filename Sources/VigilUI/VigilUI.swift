public enum VigilUI {}
