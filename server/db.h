// A thin RAII layer over SQLite's C API: one connection, prepared statements with bound values,
// and transactions that roll back unless committed. Errors throw r2::FileError naming the database.
#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace r2::server {

class Db;

class Stmt {
public:
    Stmt(Db& db, const char* sql);
    ~Stmt();
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    // Binding is by position, from 1; returns *this so that binds chain.
    Stmt& bind(int i, int64_t v);
    Stmt& bind(int i, double v);
    Stmt& bind(int i, const std::string& v);
    Stmt& bind_null(int i);
    // true while a row is available.
    bool step();
    int64_t int64(int col) const;
    double real(int col) const;
    std::string text(int col) const;
    bool is_null(int col) const;

private:
    Db& db_;
    sqlite3_stmt* stmt_ = nullptr;
};

class Db {
public:
    // Opens (creating when `create`) the file in WAL mode with foreign keys on and a busy timeout,
    // so that `serve --add-team` can write while a server runs.
    Db(const std::filesystem::path& file, bool create);
    ~Db();
    Db(const Db&) = delete;
    Db& operator=(const Db&) = delete;
    void exec(const char* sql);
    int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
    int changes() const { return sqlite3_changes(db_); }
    [[noreturn]] void fail(const std::string& what) const;
    sqlite3* handle() { return db_; }
    const std::filesystem::path& file() const { return file_; }

private:
    std::filesystem::path file_;
    sqlite3* db_ = nullptr;
};

// BEGIN IMMEDIATE (the write lock is taken up front, so two writers never deadlock on upgrade);
// rolled back by the destructor unless commit() was called.
class Transaction {
public:
    explicit Transaction(Db& db);
    ~Transaction();
    void commit();

private:
    Db& db_;
    bool done_ = false;
};

}  // namespace r2::server
