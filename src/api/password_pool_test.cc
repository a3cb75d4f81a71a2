#include "api/password_pool.h"

#include <gtest/gtest.h>

#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

namespace relish::api {
namespace {

// The pool on one side, an io_context (an I/O thread's) awaiting it on the other.
class PasswordPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    io_ = std::thread([this] { ioc_.run(); });
  }
  void TearDown() override {
    guard_.reset();
    io_.join();
  }
  // Runs `work` on the pool from the I/O thread; the future holds its result, or nullopt when
  // the pool turned it away.
  template <typename Fn>
  std::future<std::optional<Result<int>>> Submit(PasswordPool& pool, Fn fn) {
    auto done = std::make_shared<std::promise<std::optional<Result<int>>>>();
    auto future = done->get_future();
    boost::asio::co_spawn(
        ioc_.get_executor(),
        [&pool, fn, done]() -> Task<void> {
          auto work = fn;
          auto r = co_await pool.Run(work);
          done->set_value(std::move(r));
        },
        boost::asio::detached);
    return future;
  }
  static void WaitUntil(const std::function<bool()>& done) {
    while (!done()) std::this_thread::yield();
  }

  boost::asio::io_context ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_ =
      boost::asio::make_work_guard(ioc_);
  std::thread io_;
};

TEST_F(PasswordPoolTest, TurnsAwayWorkBeyondItsThreadsAndQueue) {
  PasswordPool pool;  // kPasswordThreads threads, kPasswordQueue waiting
  constexpr size_t kCapacity = kPasswordThreads + kPasswordQueue;
  static_assert(kCapacity == 18);
  std::promise<void> open;
  std::shared_future<void> gate = open.get_future().share();
  std::vector<std::future<std::optional<Result<int>>>> admitted;
  for (size_t i = 0; i < kCapacity; ++i) {
    admitted.push_back(Submit(pool, [gate, i]() -> Result<int> {
      gate.wait();
      return static_cast<int>(i);
    }));
  }
  WaitUntil([&] { return pool.admitted() == kCapacity; });
  // Two hashing, sixteen waiting: the next is answered at once, without running.
  bool ran = false;
  auto turned_away = Submit(pool, [&ran]() -> Result<int> {
    ran = true;
    return -1;
  });
  EXPECT_EQ(turned_away.get(), std::nullopt);
  open.set_value();
  for (size_t i = 0; i < kCapacity; ++i) {
    auto r = admitted[i].get();
    ASSERT_TRUE(r && r->ok()) << i;
    EXPECT_EQ(**r, static_cast<int>(i));
  }
  EXPECT_FALSE(ran);
  EXPECT_EQ(pool.admitted(), 0u);
  EXPECT_EQ(**Submit(pool, []() -> Result<int> { return 7; }).get(), 7);
}

// Work that throws (as a library might) is a failed result, and gives its place back.
TEST_F(PasswordPoolTest, WorkThatThrowsGivesItsPlaceBack) {
  PasswordPool pool(1, 0);
  auto r = Submit(pool, []() -> Result<int> { throw std::bad_alloc(); }).get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error().code(), ErrorCode::kInternal);
  EXPECT_EQ(pool.admitted(), 0u);
  EXPECT_EQ(**Submit(pool, []() -> Result<int> { return 1; }).get(), 1);
}

}  // namespace
}  // namespace relish::api
