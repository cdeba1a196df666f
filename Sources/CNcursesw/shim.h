// SwiftPM drops pkg-config's -D_XOPEN_SOURCE=600, which hides the wide
// character API; asking for it explicitly brings cchar_t and friends back.
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <langinfo.h>
#include <ncurses.h>
#include <term.h>
