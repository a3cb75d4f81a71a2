// What the data files (tests/deluge/tasks/zoho_services.test) cannot show: that the table and the
// checker's task list agree, and multipart bodies byte for byte.
#include "deluge/zoho_tasks.h"

#include <gtest/gtest.h>

#include "deluge/tasks.h"
#include "deluge/text_util.h"

namespace relish::deluge {
namespace {

TEST(ZohoTasks, EveryRowHasATaskSpecAndEveryTaskOfTheseServicesHasARow) {
  for (const auto& t : AllZohoServiceTasks()) {
    const TaskSpec* spec = FindTask(t.name);
    ASSERT_NE(spec, nullptr) << t.name;
    EXPECT_EQ(spec->name, t.name);
    // The connection is the last of Zoho's arguments.
    EXPECT_TRUE(spec->params.ends_with("connection") || spec->params.ends_with("connection]"))
        << t.name;
  }
  for (const auto& spec : AllTasks()) {
    if (!IsTaskNamespace(ToLower(spec.name))) continue;
    EXPECT_NE(FindZohoServiceTask(spec.name), nullptr) << spec.name;
  }
}

TEST(ZohoTasks, UploadFileSendsTheFilesBytesAsAMultipartPart) {
  Heap heap;
  std::vector<Value> args = {NewFile("a.txt", "text/plain", "hello\r\nworld"),
                             Value::Text("g4xh1"), Value::Text("a.txt"), Value::Bool(false),
                             Value::Text("workdrive")};
  auto r = BuildZohoTaskRequest(*FindZohoServiceTask("zoho.workdrive.uploadFile"), args);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->target, "/workdrive/api/v1/upload");
  EXPECT_EQ(r->connection, "workdrive");
  ASSERT_EQ(r->headers.size(), 1u);
  EXPECT_EQ(r->headers[0].second, "multipart/form-data; boundary=----RelishZohoTaskBoundary");
  EXPECT_EQ(r->body,
            "------RelishZohoTaskBoundary\r\n"
            "Content-Disposition: form-data; name=\"filename\"\r\n\r\na.txt\r\n"
            "------RelishZohoTaskBoundary\r\n"
            "Content-Disposition: form-data; name=\"parent_id\"\r\n\r\ng4xh1\r\n"
            "------RelishZohoTaskBoundary\r\n"
            "Content-Disposition: form-data; name=\"override-name-exist\"\r\n\r\nfalse\r\n"
            "------RelishZohoTaskBoundary\r\n"
            "Content-Disposition: form-data; name=\"content\"; filename=\"a.txt\"\r\n"
            "Content-Type: text/plain\r\n\r\nhello\r\nworld\r\n"
            "------RelishZohoTaskBoundary--\r\n");
}

TEST(ZohoTasks, ABoundaryInAFileIsLengthened) {
  Heap heap;
  std::vector<Value> args = {NewFile("x.bin", "", "----RelishZohoTaskBoundary"),
                             heap.NewMap(), Value::Text("sign")};
  auto r = BuildZohoTaskRequest(*FindZohoServiceTask("zoho.sign.createDocument"), args);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->headers[0].second, "multipart/form-data; boundary=----RelishZohoTaskBoundaryx");
  EXPECT_NE(r->body.find("filename=\"x.bin\"\r\nContent-Type: application/octet-stream"),
            std::string::npos);
  EXPECT_NE(r->body.find("name=\"data\"\r\n\r\n{\"requests\":{}}\r\n"), std::string::npos);
}

}  // namespace
}  // namespace relish::deluge
