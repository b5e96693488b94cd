// Checked files: the one on-disk frame of everything rill writes under a checkpoint
// directory (metadata, RDD part files, write-ahead-log records, input progress). A frame
// carries an 8-byte magic naming the kind of file, a format version, the payload length
// and an XXH3-64 checksum, so a torn, truncated, flipped or foreign file is an error that
// names the file and what is wrong, never a silent misread. Durable writes go to a temp
// file that is fsynced, renamed into place, and the directory fsynced (a crash leaves the
// old or the new file, never a mix).
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace rill::detail {

// XXH3-64 of the bytes (libxxhash).
std::uint64_t checksum64(const void* data, std::size_t n);
inline std::uint64_t checksum64(std::string_view s) {
  return checksum64(s.data(), s.size());
}

// magic: exactly 8 characters, e.g. "RILLMETA". Layout (little-endian on every machine
// rill builds for): magic[8] version:u32 length:u64 payload[length] xxh3(magic..payload):u64.
struct FileKind {
  std::string_view magic;
  std::uint32_t version;
  std::string_view what;  // for messages: "checkpoint metadata", "checkpoint part file"
};
inline constexpr std::size_t kFrameOverhead = 8 + 4 + 8 + 8;

std::string frame(const FileKind& kind, std::string_view payload);
// The same frame built in place, for payloads serialised straight into the buffer (a
// checkpoint part of millions of records is then not copied once more): begin_frame
// returns the header, the caller appends the payload, end_frame fills in the length and
// appends the checksum.
std::string begin_frame(const FileKind& kind, std::size_t payload_hint = 0);
void end_frame(std::string& framed);
// The payload of a framed file's bytes. Throws std::runtime_error "<what> <file> is
// corrupt: <reason>" (bad magic / version / truncated / checksum mismatch / trailing bytes).
std::string_view unframe(const FileKind& kind, std::string_view bytes,
                         const std::filesystem::path& file);

// Whole-file read; std::runtime_error naming the file if it cannot be read.
std::string read_file(const std::filesystem::path& file, std::string_view what);
// bytes -> file.tmp, fsync, rename to file, fsync the directory. Creates the parent
// directory (and fsyncs the directory above each one it creates, so that the new file
// stays reachable after a power loss). std::runtime_error naming the file and errno's
// text on failure.
void write_file_durably(const std::filesystem::path& file, std::string_view bytes);
// The same without any fsync: the file still appears whole or not at all to readers (and
// survives a crash of the process), but not a power loss. For files no later run reads,
// where an fsync per file would only cost time (lineage checkpoints, ~5 ms each on ext4).
void write_file_replacing(const std::filesystem::path& file, std::string_view bytes);
// fsync of a directory, so that renames and creations in it survive a power loss.
void sync_directory(const std::filesystem::path& dir);

// Both in one: frame(kind, payload) written durably / read and checked.
void write_checked_file(const std::filesystem::path& file, const FileKind& kind,
                        std::string_view payload);
std::string read_checked_file(const std::filesystem::path& file, const FileKind& kind);

}  // namespace rill::detail
