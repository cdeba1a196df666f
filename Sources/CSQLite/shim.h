#include <sqlite3.h>

// SQLITE_TRANSIENT is a cast of -1 to a function pointer: a macro Swift
// cannot import. Text and blobs are bound through these, so SQLite copies
// them before the Swift string's buffer goes away.
static inline int vigil_sqlite_bind_text(sqlite3_stmt *stmt, int index, const char *text) {
    return sqlite3_bind_text(stmt, index, text, -1, SQLITE_TRANSIENT);
}

static inline int vigil_sqlite_bind_blob(sqlite3_stmt *stmt, int index, const void *bytes, int count) {
    return sqlite3_bind_blob(stmt, index, bytes, count, SQLITE_TRANSIENT);
}
