#include "crm/crm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <regex>

#include "crm/record_api.h"
#include "store/counting_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/testing.h"

namespace relish::crm {
namespace {

class FakeUsers : public UserDirectory {
 public:
  Result<Actor> FindMember(std::string_view org_id, std::string_view user_id) override {
    auto it = members_.find(std::string(org_id) + "/" + std::string(user_id));
    if (it == members_.end()) return NotFound("no such member");
    return it->second;
  }
  void Add(const std::string& org, const Actor& a) { members_[org + "/" + a.id] = a; }

 private:
  std::map<std::string, Actor> members_;
};

// Records every event; fails on demand to show that the change rolls back with it.
class RecordingListener : public ChangeListener {
 public:
  Result<void> OnRecordChange(store::Transaction& tx, const ChangeEvent& e) override {
    if (fail) return Internal("listener refused");
    // The listener writes through the same transaction: it sees the record being written.
    auto rows = TRY(tx.Query("SELECT COUNT(*) FROM crm_records WHERE id = ?", e.record_id));
    seen_in_tx.push_back(rows.front().Int(0));
    events.push_back(e);
    return Ok();
  }
  Result<void> OnSchemaChange(store::Transaction&, const Space& space,
                              std::string_view module) override {
    if (fail) return Internal("listener refused");
    schema_changes.push_back(space.org_id + " " + space.environment + " " + std::string(module));
    return Ok();
  }
  bool fail = false;
  std::vector<ChangeEvent> events;
  std::vector<std::string> schema_changes;
  std::vector<int64_t> seen_in_tx;
};

class CrmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::testing::OpenTestStore();
    ASSERT_TRUE(store_->Migrate(Crm::Migrations()).ok());
    users_.Add("org1", ada_);
    users_.Add("org1", bob_);
    crm_ = std::make_unique<Crm>(*store_, clock_, random_, users_);
    crm_->AddListener(listener_);
  }

  // Inserts one record and returns its id (or fails the test).
  std::string Insert(std::string_view module, Json record,
                     const Space& space = {"org1", "sandbox"}) {
    auto r = crm_->InsertRecords(space, module, Json::array({std::move(record)}), ada_, {});
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    if (!r.ok()) return "";
    EXPECT_TRUE((*r)[0].ok) << (*r)[0].error.code << " " << (*r)[0].error.message;
    return (*r)[0].details.value("id", "");
  }

  FakeClock clock_;
  FakeRandom random_;
  FakeUsers users_;
  RecordingListener listener_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Crm> crm_;
  Space sandbox_{"org1", "sandbox"};
  Actor ada_{"usr_ada", "Ada", "ada@example.com"};
  Actor bob_{"usr_bob", "Bob", "bob@example.com"};
};

TEST_F(CrmTest, CreateReadsBackInBiginsShape) {
  std::string company = Insert("Accounts", {{"Account_Name", "Zylker"}});
  std::string id = Insert("Contacts", {{"First_Name", "Ann"},
                                       {"Last_Name", "Lee"},
                                       {"Email", "ann@zylker.com"},
                                       {"Account_Name", {{"id", company}}},
                                       {"Tag", Json::array({"vip"})},
                                       {"Unknown_Field", "ignored"}});
  ASSERT_EQ(id.size(), 19u);
  auto got = crm_->GetRecord(sandbox_, "contacts", id);
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  const Json& c = *got;
  EXPECT_EQ(c["Full_Name"], "Ann Lee");
  EXPECT_EQ(c["Account_Name"], (Json{{"name", "Zylker"}, {"id", company}}));
  EXPECT_EQ(c["Owner"], (Json{{"name", "Ada"}, {"id", "usr_ada"}, {"email", "ada@example.com"}}));
  EXPECT_EQ(c["Tag"], Json::array({Json{{"name", "vip"}}}));
  EXPECT_EQ(c["Phone"], nullptr);
  EXPECT_EQ(c["Created_Time"], "2023-11-14T22:13:20+00:00");
  EXPECT_EQ(c["Created_By"], c["Owner"]);
  EXPECT_FALSE(c.contains("Unknown_Field"));
  EXPECT_EQ(c["id"], id);
  auto only = crm_->GetRecord(sandbox_, "Contacts", id, {"Email"});
  EXPECT_EQ(only->dump(), R"({"Email":"ann@zylker.com","id":")" + id + R"("})");
  EXPECT_EQ(crm_->GetRecord(sandbox_, "Contacts", "1").error(), NotFound("no Contacts record 1"));
  EXPECT_EQ(crm_->GetRecord(sandbox_, "Leads", id).error(), NotFound("no module 'Leads'"));
}

// A REST write to a standard module is one transaction that reads the module's fields once:
// before, the record API read the module in a transaction of its own to learn its name, and the
// write read it again.
TEST_F(CrmTest, AWriteThroughTheRecordApiReadsTheModuleOnce) {
  store::testing::CountingStore counting(*store_);
  Crm crm(counting, clock_, random_, users_);
  RecordRequest request{.op = RecordOp::kInsert,
                        .module = "contacts",
                        .body = Json::parse(R"({"data":[{"Last_Name":"Lee"}]})")};
  auto answer = SendRecords(crm, sandbox_, ada_, request);
  ASSERT_TRUE(answer.ok()) << answer.error().ToString();
  EXPECT_EQ(answer->status, 201);
  EXPECT_EQ(counting.reads(), 0);
  EXPECT_EQ(counting.writes(), 1);
  auto statements = counting.statements();
  EXPECT_EQ(std::count_if(statements.begin(), statements.end(),
                          [](const std::string& sql) {
                            return sql.find("FROM crm_fields") != std::string::npos;
                          }),
            1);
  request.module = "Nonesuch";
  answer = SendRecords(crm, sandbox_, ada_, request);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->status, 400);
  EXPECT_EQ(answer->body.value("code", ""), "INVALID_MODULE");
}

TEST_F(CrmTest, BatchesAnswerPerRecord) {
  Json batch = Json::array({Json{{"Last_Name", "Ok"}}, Json{{"First_Name", "No last name"}},
                            Json{{"Last_Name", "Bad"}, {"Email", "nope"}}, "not an object",
                            Json{{"Last_Name", "Owner"}, {"Owner", {{"id", "usr_stranger"}}}}});
  auto r = crm_->InsertRecords(sandbox_, "Contacts", batch, ada_, {});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 5u);
  EXPECT_TRUE((*r)[0].ok);
  EXPECT_EQ((*r)[1].error.code, "MANDATORY_NOT_FOUND");
  EXPECT_EQ((*r)[1].error.details,
            (Json{{"api_name", "Last_Name"}, {"json_path", "$.data[1].Last_Name"}}));
  EXPECT_EQ((*r)[2].error.code, "INVALID_DATA");
  EXPECT_EQ((*r)[2].error.message, "Email: 'nope' is not an email address like name@example.com");
  EXPECT_EQ((*r)[2].error.details["expected_data_type"], "email");
  EXPECT_EQ((*r)[3].error.message, "each record must be a JSON object");
  EXPECT_EQ((*r)[4].error.message, "Owner: 'usr_stranger' is not a user of this organization");
  EXPECT_EQ(listener_.events.size(), 1u);
  Json too_many = Json::array();
  for (int i = 0; i < 101; ++i) too_many.push_back({{"Last_Name", "x"}});
  EXPECT_EQ(crm_->InsertRecords(sandbox_, "Contacts", too_many, ada_, {}).error().code(),
            ErrorCode::kResourceExhausted);
}

TEST_F(CrmTest, EventsCarryTheChangeInsideTheTransaction) {
  std::string id = Insert("Contacts", {{"Last_Name", "Lee"}, {"Email", "a@b.co"}});
  clock_.Advance(std::chrono::seconds(5));
  auto up = crm_->UpdateRecords(
      sandbox_, "Contacts",
      Json::array({Json{{"id", id}, {"Email", "new@b.co"}, {"Last_Name", "Lee"}}}), bob_,
      {.fire_workflows = false});
  ASSERT_TRUE(up.ok() && (*up)[0].ok);
  EXPECT_EQ((*up)[0].details["Modified_By"]["name"], "Bob");
  EXPECT_EQ((*up)[0].details["Created_By"]["name"], "Ada");
  // An update that changes nothing emits nothing.
  ASSERT_TRUE(crm_->UpdateRecords(sandbox_, "Contacts",
                                  Json::array({Json{{"id", id}, {"Email", "new@b.co"}}}), bob_, {})
                  .ok());
  clock_.Advance(std::chrono::seconds(5));
  auto del = crm_->DeleteRecords(sandbox_, "Contacts", {id, "123"}, ada_, {});
  ASSERT_TRUE(del.ok());
  EXPECT_TRUE((*del)[0].ok);
  EXPECT_EQ((*del)[1].error.code, "INVALID_DATA");

  ASSERT_EQ(listener_.events.size(), 3u);
  const auto& created = listener_.events[0];
  EXPECT_EQ(created.kind, ChangeKind::kCreate);
  EXPECT_EQ(created.module, "Contacts");
  EXPECT_EQ(created.environment, "sandbox");
  EXPECT_TRUE(created.fire_workflows);
  EXPECT_EQ(created.record["Email"], "a@b.co");
  const auto& edited = listener_.events[1];
  EXPECT_EQ(edited.kind, ChangeKind::kEdit);
  EXPECT_EQ(edited.changed_fields, std::vector<std::string>{"Email"});
  EXPECT_EQ(edited.old_values, (Json{{"Email", "a@b.co"}}));
  EXPECT_EQ(edited.record["Email"], "new@b.co");
  EXPECT_FALSE(edited.fire_workflows);
  EXPECT_EQ(edited.actor.id, "usr_bob");
  EXPECT_EQ(created.sequence, 1);
  EXPECT_EQ(edited.sequence, 2);
  EXPECT_EQ(listener_.events[2].sequence, 3);
  EXPECT_EQ(listener_.events[2].kind, ChangeKind::kDelete);
  EXPECT_EQ(listener_.events[2].record["Email"], "new@b.co");
  EXPECT_EQ(listener_.seen_in_tx, (std::vector<int64_t>{1, 1, 0}));

  auto history = crm_->ListEvents(sandbox_, "Contacts", id, 10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].kind, ChangeKind::kDelete);
  EXPECT_EQ((*history)[1].old_values, (Json{{"Email", "a@b.co"}}));
}

TEST_F(CrmTest, AFailingListenerRollsTheWriteBack) {
  listener_.fail = true;
  auto r =
      crm_->InsertRecords(sandbox_, "Contacts", Json::array({Json{{"Last_Name", "X"}}}), ada_, {});
  EXPECT_EQ(r.error(), Internal("listener refused"));
  listener_.fail = false;
  auto page = crm_->ListRecords(sandbox_, "Contacts", {});
  EXPECT_TRUE(page->records.empty());
  EXPECT_TRUE(crm_->ListEvents(sandbox_, "", "", 10)->empty());
}

TEST_F(CrmTest, UniqueFieldsAndUpsert) {
  NewField code{.label = "Customer Code", .type = FieldType::kText, .unique = true};
  auto f = crm_->AddField(sandbox_, "Contacts", code);
  ASSERT_TRUE(f.ok()) << f.error().ToString();
  EXPECT_EQ(f->api_name, "Customer_Code");
  std::string first = Insert("Contacts", {{"Last_Name", "A"}, {"Customer_Code", "C-1"}});
  auto dup = crm_->InsertRecords(sandbox_, "Contacts",
                                 Json::array({Json{{"Last_Name", "B"}, {"Customer_Code", "c-1"}}}),
                                 ada_, {});
  EXPECT_EQ((*dup)[0].error.code, "DUPLICATE_DATA");
  EXPECT_EQ((*dup)[0].error.details["duplicate_record"]["id"], first);
  // Within one batch too.
  auto batch =
      crm_->InsertRecords(sandbox_, "Contacts",
                          Json::array({Json{{"Last_Name", "C"}, {"Customer_Code", "C-2"}},
                                       Json{{"Last_Name", "D"}, {"Customer_Code", "C-2"}}}),
                          ada_, {});
  EXPECT_TRUE((*batch)[0].ok);
  EXPECT_EQ((*batch)[1].error.code, "DUPLICATE_DATA");
  // Upsert matches on the unique field, else inserts.
  auto up = crm_->UpsertRecords(sandbox_, "Contacts",
                                Json::array({Json{{"Last_Name", "A2"}, {"Customer_Code", "C-1"}},
                                             Json{{"Last_Name", "E"}, {"Customer_Code", "C-9"}}}),
                                {}, ada_, {});
  ASSERT_TRUE(up.ok());
  EXPECT_EQ((*up)[0].action, "update");
  EXPECT_EQ((*up)[0].details["id"], first);
  EXPECT_EQ((*up)[0].details["duplicate_field"], "Customer_Code");
  EXPECT_EQ((*up)[1].action, "insert");
  EXPECT_EQ((*crm_->GetRecord(sandbox_, "Contacts", first))["Last_Name"], "A2");
  // Deleting frees the value.
  ASSERT_TRUE(crm_->DeleteRecords(sandbox_, "Contacts", {first}, ada_, {}).ok());
  Insert("Contacts", {{"Last_Name", "F"}, {"Customer_Code", "C-1"}});
}

TEST_F(CrmTest, SandboxAndProductionAreSeparate) {
  std::string id = Insert("Contacts", {{"Last_Name", "Sandboxed"}});
  Space production{"org1", "production"};
  EXPECT_EQ(crm_->GetRecord(production, "Contacts", id).error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(crm_->ListRecords(production, "Contacts", {})->records.empty());
  ASSERT_TRUE(
      crm_->AddField(sandbox_, "Contacts", {.label = "Score", .type = FieldType::kNumber}).ok());
  EXPECT_FALSE(crm_->GetModule(production, "Contacts")->FindField("Score"));
  EXPECT_EQ(crm_->GetRecord({"org2", "sandbox"}, "Contacts", id).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(crm_->ListRecords({"org1", "staging"}, "Contacts", {}).error(),
            InvalidArgument("environment must be sandbox or production, got 'staging'"));
}

// Records are read by their primary key alone (a PostgreSQL without statistics scanned the
// module otherwise); the organization, environment and module are then checked on the row, so an
// id from elsewhere is still no record here, for reading, editing and deleting.
TEST_F(CrmTest, AnIdFromAnotherSpaceOrModuleIsNoRecordHere) {
  std::string id = Insert("Contacts", {{"Last_Name", "Mine"}});
  EXPECT_EQ(crm_->GetRecord(sandbox_, "Accounts", id).error(),
            NotFound("no Accounts record " + id));
  for (const Space& other : {Space{"org2", "sandbox"}, Space{"org1", "production"}}) {
    auto edit = crm_->UpdateRecords(other, "Contacts",
                                    Json::array({{{"id", id}, {"Last_Name", "Theirs"}}}), ada_, {});
    ASSERT_TRUE(edit.ok());
    EXPECT_FALSE((*edit)[0].ok);
    EXPECT_EQ((*edit)[0].error.code, "INVALID_DATA");
    auto gone = crm_->DeleteRecords(other, "Contacts", {id}, ada_, {});
    ASSERT_TRUE(gone.ok());
    EXPECT_FALSE((*gone)[0].ok);
  }
  auto edit = crm_->UpdateRecords(sandbox_, "Accounts",
                                  Json::array({{{"id", id}, {"Account_Name", "X"}}}), ada_, {});
  ASSERT_TRUE(edit.ok());
  EXPECT_FALSE((*edit)[0].ok);
  EXPECT_EQ((*crm_->GetRecord(sandbox_, "Contacts", id))["Last_Name"], "Mine");
}

// A store that explains each query `explain` picks before running it, and keeps the plan of
// each such statement: which index the engine reads. Values in PostgreSQL's plans ('1...'::text
// or $1) read `?`, as in SQLite's.
class ExplainingStore final : public store::Store {
 public:
  ExplainingStore(store::Store& inner, std::function<bool(std::string_view sql)> explain)
      : inner_(inner), explain_(std::move(explain)) {}
  Result<std::unique_ptr<store::Transaction>> Begin(store::TxMode mode) override {
    return std::unique_ptr<store::Transaction>(new Tx(*this, TRY(inner_.Begin(mode))));
  }
  std::string_view backend() const override { return inner_.backend(); }

  std::map<std::string, std::string> plans;  // SQL -> plan, for the statements explained

 private:
  class Tx final : public store::Transaction {
   public:
    Tx(ExplainingStore& store, std::unique_ptr<store::Transaction> inner)
        : store_(store), inner_(std::move(inner)) {}
    Result<store::Rows> QueryParams(std::string_view sql,
                                    std::vector<store::Value> params) override {
      if (store_.explain_(sql)) {
        bool pg = store_.backend() == "postgres";
        auto rows = TRY(inner_->QueryParams(
            (pg ? "EXPLAIN (COSTS OFF) " : "EXPLAIN QUERY PLAN ") + std::string(sql), params));
        std::string plan;
        for (const auto& r : rows) plan += r.Text(pg ? 0 : 3) + "\n";
        static const std::regex kValue(R"('[^']*'::[\w ]+(\[\])?|\$\d+)");
        store_.plans.emplace(sql, std::regex_replace(plan, kValue, "?"));
      }
      return inner_->QueryParams(sql, std::move(params));
    }
    Result<int64_t> ExecParams(std::string_view sql, std::vector<store::Value> params) override {
      return inner_->ExecParams(sql, std::move(params));
    }
    Result<int64_t> ExecRefs(std::string_view sql,
                             std::span<const store::ValueRef> params) override {
      return inner_->ExecRefs(sql, params);
    }
    Result<void> ExecScript(std::string_view sql) override { return inner_->ExecScript(sql); }
    Result<void> Commit() override { return inner_->Commit(); }
    bool conflicted() const override { return inner_->conflicted(); }

   private:
    ExplainingStore& store_;
    std::unique_ptr<store::Transaction> inner_;
  };

  store::Store& inner_;
  std::function<bool(std::string_view sql)> explain_;
};

// Every read of a record by id (reading, editing, deleting, checking a lookup field's value and
// showing it) is one statement, and it reads the primary key. On PostgreSQL before its first
// ANALYZE, statements that also named the organization and environment read an index on
// (org_id, environment, module, modified_time) and filtered the id: a scan of the space per
// lookup. An id of another organization's record is still no record here.
TEST_F(CrmTest, EveryLookupByIdReadsThePrimaryKey) {
  ExplainingStore explaining(*store_, [](std::string_view sql) {
    // " id = ?" and not org_id's or record_id's.
    return sql.find("FROM crm_records") != std::string_view::npos &&
           sql.find(" id = ?") != std::string_view::npos;
  });
  Crm crm(explaining, clock_, random_, users_);
  ASSERT_TRUE(
      crm.CreateModule(sandbox_, {.singular_label = "Project", .plural_label = "Projects"}).ok());
  ASSERT_TRUE(
      crm.AddField(sandbox_, "Projects",
                   {.label = "Client", .type = FieldType::kLookup, .lookup_module = "Accounts"})
          .ok());
  std::string client = Insert("Accounts", {{"Account_Name", "Zylker"}});
  std::string theirs = Insert("Accounts", {{"Account_Name", "Theirs"}}, {"org2", "sandbox"});
  auto projects = crm.InsertRecords(sandbox_, "Projects",
                                    Json::array({{{"Name", "Launch"}, {"Client", client}},
                                                 {{"Name", "Spy"}, {"Client", theirs}}}),
                                    ada_, {});
  ASSERT_TRUE(projects.ok()) << projects.error().ToString();
  ASSERT_TRUE((*projects)[0].ok);
  EXPECT_EQ((*projects)[1].error.message, "Client: there is no record " + theirs + " in Accounts");
  // A note's parent may be a record of any module.
  auto notes = crm.InsertRecords(sandbox_, "Notes",
                                 Json::array({{{"Note_Content", "hi"}, {"Parent_Id", client}},
                                              {{"Note_Content", "spy"}, {"Parent_Id", theirs}}}),
                                 ada_, {});
  ASSERT_TRUE(notes.ok()) << notes.error().ToString();
  ASSERT_TRUE((*notes)[0].ok);
  EXPECT_EQ((*notes)[1].error.message, "Parent_Id: there is no record " + theirs);
  std::string note = (*notes)[0].details["id"];
  EXPECT_EQ((*crm.GetRecord(sandbox_, "Notes", note))["Parent_Id"],
            (Json{{"name", "Zylker"}, {"id", client}, {"module", {{"api_name", "Accounts"}}}}));
  std::string p = (*projects)[0].details["id"];
  EXPECT_EQ((*crm.GetRecord(sandbox_, "Projects", p))["Client"],
            (Json{{"name", "Zylker"}, {"id", client}}));
  EXPECT_EQ(crm.ListRecords(sandbox_, "Projects", {})->records.at(0)["Client"]["name"], "Zylker");
  auto edit =
      crm.UpdateRecords(sandbox_, "Projects", Json::array({{{"id", p}, {"Name", "Go"}}}), ada_, {});
  EXPECT_TRUE((*edit)[0].ok);
  EXPECT_EQ(crm.GetRecord({"org2", "sandbox"}, "Accounts", client).error(),
            NotFound("no Accounts record " + client));
  EXPECT_TRUE((*crm.DeleteRecords(sandbox_, "Projects", {p}, ada_, {}))[0].ok);

  ASSERT_EQ(explaining.plans.size(), 1u) << ::testing::PrintToString(explaining.plans);
  const auto& [sql, plan] = *explaining.plans.begin();
  EXPECT_EQ(sql,
            "SELECT id, module, data, created_time, modified_time, created_by, modified_by, "
            "org_id, environment FROM crm_records WHERE id = ?");
  if (store::testing::TestingPostgres()) {
    EXPECT_EQ(plan,
              "Index Scan using crm_records_pkey on crm_records\n"
              "  Index Cond: (id = ?)\n");
  } else {
    EXPECT_EQ(plan, "SEARCH crm_records USING INDEX sqlite_autoindex_crm_records_1 (id=?)\n");
  }
}

// The change history across records (the console's Changes page) walks the space's events by
// time, newest first, and stops at the limit: without crm_events_by_time it read and sorted
// every event of the installation. Another organization's events are never among them.
TEST_F(CrmTest, TheHistoryAcrossRecordsReadsItsSpaceNewestFirstFromTheTimeIndex) {
  ExplainingStore explaining(*store_, [](std::string_view sql) {
    return sql.find("FROM crm_events WHERE org_id = ?") != std::string_view::npos;
  });
  Crm crm(explaining, clock_, random_, users_);
  std::string ada = Insert("Contacts", {{"Last_Name", "Lovelace"}});
  clock_.Advance(std::chrono::seconds(1));
  Insert("Contacts", {{"Last_Name", "Theirs"}}, {"org2", "sandbox"});
  clock_.Advance(std::chrono::seconds(1));
  std::string acme = Insert("Accounts", {{"Account_Name", "Acme"}});
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(crm.UpdateRecords(sandbox_, "Contacts",
                                Json::array({{{"id", ada}, {"Last_Name", "Byron"}}}), ada_, {})
                  .ok());

  auto all = crm.ListEvents(sandbox_, "", "", 10);
  ASSERT_TRUE(all.ok()) << all.error().ToString();
  std::vector<std::string> listed;
  for (const auto& e : *all)
    listed.push_back(e.module + " " + e.record_id + " " + std::string(ChangeKindName(e.kind)));
  EXPECT_EQ(listed,
            (std::vector<std::string>{"Contacts " + ada + " edit", "Accounts " + acme + " create",
                                      "Contacts " + ada + " create"}));
  auto two = crm.ListEvents(sandbox_, "", "", 2);
  ASSERT_TRUE(two.ok()) << two.error().ToString();
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1].record_id, acme);
  auto contacts = crm.ListEvents(sandbox_, "contacts", "", 10);
  ASSERT_TRUE(contacts.ok()) << contacts.error().ToString();
  ASSERT_EQ(contacts->size(), 2u);
  EXPECT_EQ((*contacts)[0].kind, ChangeKind::kEdit);
  EXPECT_EQ((*contacts)[1].kind, ChangeKind::kCreate);

  // By SQL: with the module, then without it. Neither sorts: the index gives the order.
  std::vector<std::string> plans;
  for (const auto& [sql, plan] : explaining.plans) plans.push_back(plan);
  if (store::testing::TestingPostgres()) {
    const std::string walk =
        "Limit\n"
        "  ->  Index Scan Backward using crm_events_by_time on crm_events\n"
        "        Index Cond: ((org_id = ?) AND (environment = ?))\n";
    EXPECT_EQ(plans, (std::vector<std::string>{walk + "        Filter: (module = ?)\n", walk}));
  } else {
    const std::string walk =
        "SEARCH crm_events USING INDEX crm_events_by_time (org_id=? AND environment=?)\n";
    EXPECT_EQ(plans, (std::vector<std::string>{walk, walk}));
  }
}

TEST_F(CrmTest, CustomModulesAndFields) {
  auto m = crm_->CreateModule(sandbox_, {.singular_label = "Project", .plural_label = "Projects"});
  ASSERT_TRUE(m.ok()) << m.error().ToString();
  EXPECT_EQ(m->api_name, "Projects");
  EXPECT_EQ(
      crm_->CreateModule(sandbox_, {.singular_label = "P", .plural_label = "projects"}).error(),
      AlreadyExists("a module named 'projects' already exists"));
  EXPECT_EQ(
      crm_->CreateModule(sandbox_, {.singular_label = "C", .plural_label = "Contacts"}).error(),
      AlreadyExists("a module named 'Contacts' already exists"));
  auto lookup =
      crm_->AddField(sandbox_, "Projects",
                     {.label = "Client", .type = FieldType::kLookup, .lookup_module = "accounts"});
  ASSERT_TRUE(lookup.ok()) << lookup.error().ToString();
  EXPECT_EQ(lookup->lookup_module, "Accounts");
  auto status = crm_->AddField(sandbox_, "Projects",
                               {.label = "Status",
                                .type = FieldType::kPicklist,
                                .required = true,
                                .options = {"Open", "Done"}});
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(crm_->AddField(sandbox_, "Projects", {.label = "Status"}).error(),
            AlreadyExists("Projects already has a field 'Status'"));
  EXPECT_EQ(
      crm_->AddField(sandbox_, "Projects", {.label = "Kind", .type = FieldType::kPicklist}).error(),
      InvalidArgument("a picklist or multi-select field needs 'options'"));
  EXPECT_EQ(crm_->AddField(sandbox_, "Projects", {.label = "id"}).error(),
            AlreadyExists("'id' is a system field"));
  std::string client = Insert("Accounts", {{"Account_Name", "Zylker"}});
  std::string p = Insert("Projects", {{"Name", "Launch"}, {"Client", client}, {"Status", "open"}});
  Json got = *crm_->GetRecord(sandbox_, "projects", p);
  EXPECT_EQ(got["Status"], "Open");
  EXPECT_EQ(got["Client"]["name"], "Zylker");
  auto bad = crm_->InsertRecords(
      sandbox_, "Projects", Json::array({Json{{"Name", "X"}, {"Status", "Open"}, {"Client", p}}}),
      ada_, {});
  EXPECT_EQ((*bad)[0].error.message, "Client: there is no record " + p + " in Accounts");
  ASSERT_TRUE(crm_->DeleteField(sandbox_, "Projects", "Status").ok());
  EXPECT_FALSE(crm_->GetRecord(sandbox_, "Projects", p)->contains("Status"));
  EXPECT_EQ(crm_->DeleteField(sandbox_, "Projects", "Name").error(),
            FailedPrecondition("only custom fields can be deleted"));
  auto modules = crm_->ListModules(sandbox_);
  ASSERT_EQ(modules->size(), 7u);
  EXPECT_EQ(modules->back().api_name, "Projects");
}

// Listeners that keep what they compiled against a module (the workflow engine's rules) hear of
// every schema change in its transaction, and a refused change is no change.
TEST_F(CrmTest, SchemaChangesReachListenersInTheirTransaction) {
  ASSERT_TRUE(
      crm_->CreateModule(sandbox_, {.singular_label = "Zone", .plural_label = "Zones"}).ok());
  ASSERT_TRUE(crm_->AddField(sandbox_, "zones", {.label = "Code"}).ok());
  EXPECT_FALSE(crm_->AddField(sandbox_, "Zones", {.label = "Code"}).ok());
  ASSERT_TRUE(crm_->UpdateField(sandbox_, "Zones", "Code", {.label = "Zone Code"}).ok());
  ASSERT_TRUE(crm_->AddField({"org1", "production"}, "Contacts", {.label = "Tier"}).ok());
  ASSERT_TRUE(crm_->DeleteField(sandbox_, "Zones", "Code").ok());
  EXPECT_EQ(
      listener_.schema_changes,
      (std::vector<std::string>{"org1 sandbox Zones", "org1 sandbox Zones", "org1 sandbox Zones",
                                "org1 production Contacts", "org1 sandbox Zones"}));
  listener_.fail = true;
  EXPECT_EQ(crm_->AddField(sandbox_, "Contacts", {.label = "Tier"}).error(),
            Internal("listener refused"));
  EXPECT_FALSE(crm_->GetModule(sandbox_, "Contacts")->FindField("Tier"));
}

// Custom modules list in creation order, and modules created in the same millisecond (a
// topping's install) by name, on both engines: a tie left to the engine came back by name from
// SQLite (the order of the index it read) and in write order from PostgreSQL.
TEST_F(CrmTest, CustomModulesListInCreationOrderThenByName) {
  for (std::string name : {"Zones", "Assets", "Machines"}) {
    ASSERT_TRUE(crm_->CreateModule(sandbox_, {.singular_label = name, .plural_label = name}).ok());
  }
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(
      crm_->CreateModule(sandbox_, {.singular_label = "Later", .plural_label = "Later"}).ok());
  if (store::testing::TestingPostgres()) {
    // With statistics a table this small is read by a scan, in the order rows were written.
    ASSERT_TRUE(store::Transact(*store_, store::TxMode::kWrite, [](store::Transaction& tx) {
                  return tx.ExecScript("ANALYZE crm_modules");
                }).ok());
  }
  auto modules = crm_->ListModules(sandbox_);
  ASSERT_TRUE(modules.ok());
  std::vector<std::string> custom;
  for (size_t i = modules->size() - 4; i < modules->size(); ++i)
    custom.push_back((*modules)[i].api_name);
  EXPECT_EQ(custom, (std::vector<std::string>{"Assets", "Machines", "Zones", "Later"}));
}

TEST_F(CrmTest, PagesSortAndSearch) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(std::chrono::seconds(1));
    ids.push_back(Insert("Pipelines", {{"Deal_Name", "Deal " + std::to_string(i)},
                                       {"Stage", i % 2 ? "Closed Won" : "Qualification"},
                                       {"Amount", i * 100}}));
  }
  auto first = crm_->ListRecords(sandbox_, "Pipelines", {.page = 1, .per_page = 2});
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->records.size(), 2u);
  EXPECT_EQ(first->records[0]["id"], ids[4]);
  EXPECT_TRUE(first->more_records);
  auto last =
      crm_->ListRecords(sandbox_, "Pipelines",
                        {.page = 3, .per_page = 2, .sort_by = "Created_Time", .ascending = true});
  ASSERT_EQ(last->records.size(), 1u);
  EXPECT_EQ(last->records[0]["id"], ids[4]);
  EXPECT_FALSE(last->more_records);
  EXPECT_EQ(crm_->ListRecords(sandbox_, "Pipelines", {.sort_by = "Amount"}).error(),
            InvalidArgument("sort_by must be id, Created_Time or Modified_Time"));
  EXPECT_EQ(crm_->ListRecords(sandbox_, "Pipelines", {.per_page = 201}).error(),
            InvalidArgument("per_page must be from 1 to 200"));

  SearchQuery q;
  q.criteria = *ParseCriteria("((Stage:equals:Closed Won) and (Amount:greater_than:100))");
  auto found = crm_->SearchRecords(sandbox_, "Pipelines", q, {.ascending = true});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->records.size(), 1u);
  EXPECT_EQ(found->records[0]["Deal_Name"], "Deal 3");
  SearchQuery word;
  word.word = "deal";
  auto paged = crm_->SearchRecords(sandbox_, "Pipelines", word, {.page = 2, .per_page = 2});
  ASSERT_EQ(paged->records.size(), 2u);
  EXPECT_TRUE(paged->more_records);
  SearchQuery bad;
  bad.criteria = *ParseCriteria("(Amount:starts_with:1)");
  EXPECT_EQ(crm_->SearchRecords(sandbox_, "Pipelines", bad, {}).error().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace relish::crm
