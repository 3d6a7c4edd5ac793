// A blocking queue of bounded capacity between two pipeline stages: bounded memory (a stage
// waits when the next one is behind) and a way to stop both ends when one fails.
#pragma once
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace r2 {

template <typename T>
class BoundedQueue {
public:
    explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}

    // False when the queue was closed (the consumer gave up): the producer should stop.
    bool push(T item) {
        std::unique_lock<std::mutex> lock(mutex_);
        not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
        if (closed_) return false;
        items_.push_back(std::move(item));
        not_empty_.notify_one();
        return true;
    }
    // Empty when the queue is closed and drained.
    std::optional<T> pop() {
        std::unique_lock<std::mutex> lock(mutex_);
        not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
        if (items_.empty()) return std::nullopt;
        T item = std::move(items_.front());
        items_.pop_front();
        not_full_.notify_one();
        return item;
    }
    // No more pushes; pop() drains what is there, then returns empty.
    void close() {
        std::lock_guard<std::mutex> lock(mutex_);
        closed_ = true;
        not_empty_.notify_all();
        not_full_.notify_all();
    }
    // Stops both ends at once (a stage failed): what is queued is dropped.
    void abort() {
        std::lock_guard<std::mutex> lock(mutex_);
        closed_ = true;
        items_.clear();
        not_empty_.notify_all();
        not_full_.notify_all();
    }

private:
    size_t capacity_;
    std::deque<T> items_;
    std::mutex mutex_;
    std::condition_variable not_empty_, not_full_;
    bool closed_ = false;
};

}  // namespace r2
